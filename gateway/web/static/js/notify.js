// Web Push on the ticket page: where the browser has service workers and push,
// a button asks for permission, subscribes with the server's VAPID key and
// sends the subscription to the API. The phone form next to it is a plain post
// and needs none of this.
import { $, api, lang, loadTexts, setText, t } from './core.js';

const token = document.body.dataset.token;
const box = $('#notify-push');

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function activated(registration) {
  return new Promise((resolve) => {
    const worker = registration.installing || registration.waiting;
    if (!worker) { resolve(); return; }
    worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve(); });
  });
}

async function subscribe(publicKey) {
  const state = $('#notify-push-state');
  const button = $('#notify-push-button');
  button.disabled = true;
  try {
    if (await Notification.requestPermission() !== 'granted') {
      setText(state, t('notify.push_denied'));
      return;
    }
    const worker = new URL(`notify-sw.js?lang=${lang}&page=${encodeURIComponent(`/t/${token}`)}`, import.meta.url);
    const registration = await navigator.serviceWorker.register(worker.href);
    await activated(registration);
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
    });
    const ahead = Number(($('#f-ahead') || {}).value);
    await api(`/api/v1/tickets/${encodeURIComponent(token)}/subscriptions`, {
      method: 'POST', body: { ...subscription.toJSON(), ahead: Number.isInteger(ahead) && ahead >= 0 ? ahead : 3 },
    });
    setText(state, t('notify.push_on'));
  } catch (e) {
    setText(state, t('notify.push_failed'));
  } finally {
    button.disabled = false;
  }
}

async function start() {
  if (!box || !token || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return;
  await loadTexts();
  let publicKey;
  try {
    publicKey = (await api('/api/v1/push/public-key')).data.public_key;
  } catch (e) {
    return; // Web Push is not configured here: the phone form stays, if there is one
  }
  box.hidden = false;
  $('#notify-push-button').addEventListener('click', () => subscribe(publicKey));
}

start();
