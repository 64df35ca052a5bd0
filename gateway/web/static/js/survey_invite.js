// Shows the survey invitation on the ticket page as soon as ticket.js marks
// the ticket done (it sets <body data-status>), without a reload.
const invite = document.getElementById('survey-invite');
if (invite) {
  const check = () => { if (document.body.dataset.status === 'done') invite.hidden = false; };
  new MutationObserver(check).observe(document.body, { attributes: true, attributeFilter: ['data-status'] });
  check();
}
