// The applicant's codes on this device (localStorage): tracking code -> secret.
// The secret proves the applicant (uploads, resubmit, withdraw); nothing else
// personal is kept here.
const KEY = 'senja.permits';

export function allSaved() {
  try {
    const data = JSON.parse(localStorage.getItem(KEY) || '{}');
    return data && typeof data === 'object' ? data : {};
  } catch (e) {
    return {};
  }
}

export const saved = (code) => allSaved()[code] || null;

/** Keeps (merges) what we know of an application; false when storage is unavailable. */
export function remember(code, data) {
  const all = allSaved();
  all[code] = { ...(all[code] || {}), ...data };
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
    return true;
  } catch (e) {
    return false;
  }
}

export function forget(code) {
  const all = allSaved();
  delete all[code];
  try { localStorage.setItem(KEY, JSON.stringify(all)); } catch (e) { /* nothing kept anyway */ }
}
