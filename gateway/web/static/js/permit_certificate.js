// The certificate form on an issued permit's page: with the applicant's secret kept
// on this device, the field is filled in and put aside, so one press downloads it.
import { $ } from './core.js';
import { saved } from './store.js';

const form = $('#certificate-form');
if (form) {
  const code = form.action.split('/').slice(-2)[0];
  const secret = saved(code)?.secret;
  if (secret) {
    $('#f-cert-secret').value = secret;
    $('#cert-secret-field').hidden = true;
  }
}
