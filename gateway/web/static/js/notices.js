// Board notices in the page's language (as gateway/web/notices.py): a broken
// facility is said with its kind, its status and the help there is instead.
import { t } from './core.js';

const STATUSES = ['broken', 'under_maintenance', 'removed'];

function known(key) { const text = t(key); return text === key ? null : text; }

export function noticeText(notice) {
  const kind = notice.facility_kind;
  const status = notice.facility_status;
  if (!kind || !STATUSES.includes(status)) return notice.text;
  return t('notice.facility', {
    facility: known(`facility.kind.${kind}`) || kind,
    status: t(`notice.status.${status}`),
    help: known(`notice.help.${kind}`) || t('notice.help.default'),
  });
}
