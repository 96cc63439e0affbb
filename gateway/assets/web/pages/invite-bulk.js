// The invite dialog's "Bulk (CSV)" tab: a file or pasted rows, a preview of what
// happens to every row (nothing sent), then "Send invites".

import { gql, ApiError } from '../api.js';
import { h, field, form, busy, toast } from '../dom.js';
import { table } from '../widgets/table.js';
import { parseRows } from '../csv.js';

const OUTCOME = { INVITED: 'Invited', WOULD_INVITE: 'Will be invited', ALREADY_CLIENT: 'Already a client', DUPLICATE_IN_BATCH: 'Duplicate in this list', INVALID: 'Invalid' };
const MAX_ROWS = 500;

async function bulk(rows, dryRun) {
  const d = await gql(
    'mutation Bulk($rows: [BulkInviteRow!]!, $dryRun: Boolean) { inviteClients(rows: $rows, dryRun: $dryRun) { invited wouldInvite skipped invalid results { row email outcome message } } }',
    { rows, dryRun },
  );
  return d.inviteClients;
}

// The rows to send, or an error a person can act on.
function rowsOf(text) {
  let rows;
  try {
    rows = parseRows(text);
  } catch (err) {
    throw new ApiError(err.message);
  }
  if (!rows.length) throw new ApiError('Add at least one row: choose a CSV file or paste the rows.');
  if (rows.length > MAX_ROWS) throw new ApiError(`At most 500 rows at once; this list has ${rows.length}.`);
  return rows;
}

// What happened (or, `dry`, would happen) to each of `rows`: a summary and a table.
function report(r, rows, dry) {
  const summary = dry
    ? `Preview: ${r.wouldInvite} will be invited, ${r.skipped} skipped, ${r.invalid} invalid. Nothing has been sent yet.`
    : `Done: ${r.invited} invited, ${r.skipped} skipped, ${r.invalid} invalid.`;
  const tr = (x) => {
    const src = rows[x.row - 1] || {};
    return h('tr', null, h('td', null, String(x.row)), h('td', null, x.email), h('td', null, src.companyName || ''), h('td', null, h('span', { class: `outcome o-${x.outcome.toLowerCase()}` }, OUTCOME[x.outcome] || x.outcome)), h('td', null, x.message || ''));
  };
  return [
    h('p', { class: dry ? 'alert info' : 'alert ok' }, summary),
    table({
      caption: dry ? 'Preview of the bulk invite' : 'Result of the bulk invite',
      columns: ['Row', 'Email', 'Company name', 'Outcome', 'Message'],
      body: h('tbody', null, r.results.map(tr)),
      className: 'grid compact',
    }),
  ];
}

// `onChange()` after clients were invited.
export function bulkPanel(onChange) {
  const fileInput = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv,text/plain' });
  const text = h('textarea', { name: 'rows', rows: '6', spellcheck: 'false', placeholder: 'Email,Company Name\nana@example.com,Ana’s Bakery' });
  const out = h('div', { class: 'report', 'aria-live': 'polite' });
  const sendBtn = h('button', { type: 'button', class: 'btn primary', disabled: true, 'data-busy': 'Sending…' }, 'Send invites');
  let previewed = null; // the rows of the preview on show, until they change
  const stale = () => {
    previewed = null;
    sendBtn.disabled = true;
  };
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    text.value = await file.text();
    stale();
    out.replaceChildren();
  });
  text.addEventListener('input', stale);
  const bulkForm = form(
    { class: 'stack', 'aria-label': 'Bulk invite' },
    [
      field('CSV file', fileInput, 'A column “Email” (or “Email Address”) and optionally “Company Name” (or “Company”), in any order; without a header row, the email first and the company name second. Up to 500 rows.'),
      field('Or paste the rows', text),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', 'data-busy': 'Checking…' }, 'Preview'), sendBtn),
    ],
    async () => {
      // What was previewed before goes first, so a failed preview leaves none on show.
      stale();
      out.replaceChildren();
      const rows = rowsOf(text.value);
      const r = await bulk(rows, true);
      previewed = rows;
      out.replaceChildren(...report(r, rows, true));
      sendBtn.disabled = r.wouldInvite === 0;
    },
  );
  const send = async () => {
    if (!previewed) return;
    bulkForm.alert.show(null);
    try {
      const r = await bulk(previewed, false);
      out.replaceChildren(...report(r, previewed, false));
      stale();
      toast(`${r.invited} ${r.invited === 1 ? 'client' : 'clients'} invited.`);
      onChange();
    } catch (err) {
      bulkForm.alert.show(err);
    }
  };
  sendBtn.addEventListener('click', () => busy(sendBtn, send).then(() => {
    sendBtn.disabled = !previewed;
  }));
  return h('div', null, h('p', { class: 'muted' }, 'Invite many clients at once. Preview first: it shows what happens to every row and sends nothing.'), bulkForm, out);
}
