// The ticket's service worker: shows the Web Push messages (turn_near, called)
// in the page's language and opens the ticket page when one is tapped. It
// caches nothing and handles no requests.
const params = new URL(self.location.href).searchParams;
const lang = params.get('lang') === 'en' ? 'en' : 'id';
const page = (params.get('page') || '').startsWith('/t/') ? params.get('page') : '/';

async function texts() {
  try {
    const resp = await fetch(new URL(`../i18n/${lang}.json`, self.location.href));
    return resp.ok ? await resp.json() : {};
  } catch (e) {
    return {};
  }
}

function fill(text, values) {
  return String(text).replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  event.waitUntil((async () => {
    let data = {};
    try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
    const tx = await texts();
    const kind = data.event === 'called' ? 'called' : 'near';
    const values = { number: data.number || '', counter: data.counter_name || '', n: data.ahead ?? '' };
    const title = fill(tx[`notify.push_title_${kind}`] || data.number || 'Senja', values);
    const body = fill(tx[`notify.push_body_${kind}`] || '', values);
    await self.registration.showNotification(title, { body, lang, tag: data.id, data: { page } });
  })());
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.page));
});
