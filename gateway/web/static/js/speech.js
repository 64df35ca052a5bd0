// What the hall hears: Indonesian words for ticket numbers and counter names,
// a chime made with WebAudio, and the browser's speech synthesis (lang id-ID).
// The text functions are pure (tests import this module in Node).

const DIGITS = ['nol', 'satu', 'dua', 'tiga', 'empat', 'lima', 'enam', 'tujuh', 'delapan', 'sembilan'];

/** Indonesian number words: 2 -> "dua", 11 -> "sebelas", 125 -> "seratus dua puluh lima". */
export function terbilang(n) {
  n = Math.floor(Number(n));
  if (!Number.isFinite(n) || n < 0) return String(n);
  if (n < 10) return DIGITS[n];
  if (n === 10) return 'sepuluh';
  if (n === 11) return 'sebelas';
  if (n < 20) return `${DIGITS[n - 10]} belas`;
  if (n < 100) {
    const rest = n % 10;
    return `${DIGITS[Math.floor(n / 10)]} puluh${rest ? ` ${DIGITS[rest]}` : ''}`;
  }
  if (n < 1000) {
    const hundreds = Math.floor(n / 100);
    const rest = n % 100;
    return `${hundreds === 1 ? 'seratus' : `${DIGITS[hundreds]} ratus`}${rest ? ` ${terbilang(rest)}` : ''}`;
  }
  return String(n).split('').map((d) => DIGITS[Number(d)]).join(' ');
}

/** A ticket number read character by character: "A-001" -> "A nol nol satu". */
export function spellTicket(number) {
  return String(number).replace(/[^A-Za-z0-9]/g, '').split('')
    .map((ch) => (/\d/.test(ch) ? DIGITS[Number(ch)] : ch.toUpperCase()))
    .join(' ');
}

/** A counter name read naturally: "Loket 2" -> "loket dua", "12" -> "loket dua belas". */
export function sayCounter(name) {
  const text = String(name || '').trim();
  if (/^\d+$/.test(text)) return `loket ${terbilang(text)}`;
  return text.split(/\s+/).map((word) => {
    if (/^\d+$/.test(word)) return terbilang(word);
    if (/^[A-Z][a-z]+$/.test(word)) return word.toLowerCase(); // "Loket" -> "loket"; keep acronyms
    return word;
  }).join(' ');
}

/** "Nomor antrean A nol nol satu, silakan menuju loket dua" */
export function callPhrase(number, counterName) {
  return `Nomor antrean ${spellTicket(number)}, silakan menuju ${sayCounter(counterName)}`;
}

/** Sound for a browser: enable() must run inside a user gesture (autoplay rules). */
export class Announcer {
  constructor() {
    this.ctx = null;
    this.enabled = false;
    this.queue = Promise.resolve();
  }

  enable() {
    const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (Ctx && !this.ctx) this.ctx = new Ctx();
    if (this.ctx && this.ctx.state === 'suspended') this.ctx.resume();
    if (globalThis.speechSynthesis) {
      // Speaking once inside the gesture unlocks speech on browsers that need it.
      const unlock = new SpeechSynthesisUtterance(' ');
      unlock.volume = 0;
      speechSynthesis.speak(unlock);
    }
    this.enabled = true;
  }

  disable() {
    this.enabled = false;
    if (globalThis.speechSynthesis) speechSynthesis.cancel();
  }

  /** Two-tone "ding-dong"; resolves when it has sounded. */
  chime() {
    if (!this.ctx) return Promise.resolve();
    const now = this.ctx.currentTime;
    [[659.25, 0], [523.25, 0.45]].forEach(([freq, at]) => {
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + at);
      gain.gain.exponentialRampToValueAtTime(0.5, now + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.8);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(now + at);
      osc.stop(now + at + 0.85);
    });
    return new Promise((resolve) => setTimeout(resolve, 1300));
  }

  speak(text) {
    if (!globalThis.speechSynthesis) return Promise.resolve();
    return new Promise((resolve) => {
      const utter = new SpeechSynthesisUtterance(text);
      utter.lang = 'id-ID';
      utter.rate = 0.9;
      const voice = speechSynthesis.getVoices().find((v) => /^id([-_]|$)/i.test(v.lang));
      if (voice) utter.voice = voice;
      const done = () => resolve();
      utter.onend = done;
      utter.onerror = done;
      setTimeout(done, 12000); // some engines never fire onend
      speechSynthesis.speak(utter);
    });
  }

  /** Chime, then speak; calls wait for each other instead of talking over one another. */
  announce(text, { chime = true } = {}) {
    if (!this.enabled) return this.queue;
    this.queue = this.queue.then(async () => {
      if (chime) await this.chime();
      if (text.trim()) await this.speak(text);
    }).catch(() => {});
    return this.queue;
  }
}
