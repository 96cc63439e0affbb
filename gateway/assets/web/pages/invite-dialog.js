// The "Invite clients" dialog: four ways to invite, one tab each: by email, the
// partner's unique link (invite-link.js), the sign-up form, and bulk CSV
// (invite-bulk.js).

import { gql } from '../api.js';
import { h, append, field, form, toast, uid } from '../dom.js';
import { tablist } from '../widgets/tabs.js';
import { linkPanel } from './invite-link.js';
import { bulkPanel } from './invite-bulk.js';

const METHODS = [
  ['email', 'By email'],
  ['link', 'Invite link'],
  ['form', 'Sign-up form'],
  ['bulk', 'Bulk (CSV)'],
];

const text = (props) => h('input', { type: 'text', maxlength: '200', autocomplete: 'off', ...props });
const email = (props) => h('input', { type: 'email', required: true, autocomplete: 'off', ...props });

// `done(message)`: the invite went out; the dialog closes and says so.
function emailPanel(done) {
  return h(
    'div',
    null,
    h('p', { class: 'muted' }, 'The client is listed as Invited at once and gets an email with a single-use link (valid 30 days).'),
    form(
      { class: 'stack', 'aria-label': 'Invite by email' },
      [
        field('Client email', email({ name: 'email' })),
        field('Company name', text({ name: 'companyName' }), 'Optional.'),
        h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Sending…' }, 'Send invite'),
      ],
      async (f) => {
        const address = f.elements.email.value.trim();
        const companyName = f.elements.companyName.value.trim() || null;
        await gql('mutation Invite($email: String!, $companyName: String) { inviteClientByEmail(email: $email, companyName: $companyName) { id email } }', { email: address, companyName });
        f.reset();
        done(`Invite sent to ${address}.`);
      },
    ),
  );
}

function formPanel(done) {
  return h(
    'div',
    null,
    h('p', { class: 'muted' }, 'Recommended: creates the client’s account on a trial at once, emails the contact a link to set a password, and gives you an admin user in it so you can log in to help.'),
    form(
      { class: 'stack', 'aria-label': 'Create a client account' },
      [
        field('Company name', text({ name: 'companyName', required: true })),
        field('Contact name', text({ name: 'contactName', required: true })),
        field('Contact email', email({ name: 'contactEmail' })),
        h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Creating…' }, 'Create client account'),
      ],
      async (f) => {
        const input = { companyName: f.elements.companyName.value.trim(), contactName: f.elements.contactName.value.trim(), contactEmail: f.elements.contactEmail.value.trim() };
        await gql('mutation CreateClient($input: CreateClientAccountInput!) { createClientAccount(input: $input) { id name } }', { input });
        f.reset();
        done(`The account for ${input.companyName} is ready; ${input.contactEmail} was emailed a link to set a password.`);
      },
    ),
  );
}

// `onChange()` after clients were added. Returns {el, open()}.
export function inviteDialog({ onChange }) {
  const titleId = uid('dlg');
  const panelId = (k) => `${titleId}-${k}`;
  const tabs = tablist('Invite method', METHODS, 'email', (key) => show(key), { controls: panelId });
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const close = h('button', { type: 'button', class: 'btn ghost close', onclick: () => dlg.close() }, 'Close');
  const done = (message) => {
    dlg.close();
    toast(message);
    onChange();
  };
  const link = linkPanel();
  const panels = { email: emailPanel(done), link: link.el, form: formPanel(done), bulk: bulkPanel(onChange) };
  // The panels share one place (app.css `.panels`): the dialog is as tall as the
  // tallest, so it keeps its height when another tab is chosen. The others are
  // invisible (`off`), so neither seen, nor focused, nor read out.
  const panelEls = METHODS.map(([k], i) => {
    const p = h('div', { role: 'tabpanel', id: panelId(k), class: k === 'email' ? 'panel' : 'panel off' }, panels[k]);
    p.setAttribute('aria-labelledby', tabs.buttons[i].id);
    return p;
  });
  function show(key) {
    panelEls.forEach((p, i) => p.classList.toggle('off', METHODS[i][0] !== key));
    if (key === 'link') link.load();
  }
  append(dlg, [h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, 'Invite clients'), close), tabs, h('div', { class: 'panels' }, panelEls)]);
  return {
    el: dlg,
    open() {
      dlg.showModal();
      const first = panelEls.find((p) => !p.classList.contains('off')).querySelector('input, textarea, button');
      if (first) first.focus();
    },
  };
}
