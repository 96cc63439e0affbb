// Security settings (SPEC §12), for every signed-in person: their second factors (add an
// authenticator app by its QR code and a code from it, add a passkey, the recovery codes
// shown once, remove one, new recovery codes) and their password. A session that may only enrol
// (the firm requires a factor) lands here.

import { gql, session } from '../api.js';
import { h, field, form, alertBox, toast, when } from '../dom.js';
import { confirmAction } from '../widgets/confirm.js';
import { input, password, val, PASSWORD_HINT } from './auth.js';
import { withStepUp } from '../widgets/second-step.js';
import { passkeysWork, createPasskey, passkeyMessage } from '../passkey.js';

const FACTORS = '{ me { secondFactors { id kind label createdAt lastUsedAt } } }';
const KIND = { TOTP: 'Authenticator app', PASSKEY: 'Passkey', RECOVERY_CODE: 'Recovery codes' };

// The recovery codes, shown once, with what to do with them.
function codesBox(codes) {
  return h(
    'section',
    { class: 'alert info', 'aria-label': 'Your recovery codes' },
    h('h3', null, 'Your recovery codes'),
    h('p', null, 'Each works once, instead of a code from your app. Keep them somewhere safe: they are not shown again.'),
    h('ul', { class: 'codes' }, codes.map((c) => h('li', null, h('code', null, c)))),
  );
}

// The enrolment: the QR code (an image of the SVG the API drew: never markup on the
// page), the secret to type instead, and the code that confirms it.
function enrolForm(e, done) {
  const qr = h('img', { src: `data:image/svg+xml;base64,${btoa(e.qrSvg)}`, alt: 'QR code for your authenticator app', width: '200', height: '200', class: 'qr' });
  return form(
    { class: 'stack narrow', 'aria-label': 'Add an authenticator app' },
    [
      h('p', null, 'Scan this QR code with your authenticator app (or type the key below into it), then enter the 6-digit code it shows.'),
      qr,
      h('p', null, 'Key: ', h('code', { class: 'secret' }, e.secret)),
      field('Name', input({ name: 'label', value: 'Phone', maxlength: '100' }), 'So you can tell your devices apart.'),
      field('Code from the app', input({ name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, maxlength: '6' })),
      h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Checking…' }, 'Turn on'),
    ],
    async (fm) => {
      const d = await gql('mutation Confirm($code: String!, $label: String) { confirmTotpEnrolment(code: $code, label: $label) }', { code: val(fm, 'code'), label: val(fm, 'label') });
      done(d.confirmTotpEnrolment);
    },
  );
}

function factorsTable(factors, reload) {
  if (!factors.length) return h('p', { class: 'muted' }, 'No second factor yet: your password alone lets you in.');
  const rows = factors.map((f) => {
    const remove = f.kind === 'RECOVERY_CODE' ? null : h('button', {
      type: 'button',
      class: 'btn small danger-ghost',
      onclick: async () => {
        const ok = await confirmAction({ title: `Remove “${f.label}”?`, text: 'You will no longer be asked for its codes. Removing your last factor also removes your recovery codes.', confirm: 'Yes, remove' });
        if (!ok) return;
        try {
          const done = await withStepUp(() => gql('mutation Remove($id: ID!) { removeSecondFactor(id: $id) }', { id: f.id }), 'Removing your last second factor needs it once more.');
          if (!done) return;
          toast(`“${f.label}” was removed.`);
          reload();
        } catch (err) {
          toast(err.message, 'error');
        }
      },
    }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${f.label}`));
    return h('tr', null, h('td', { 'data-label': 'Factor' }, KIND[f.kind] || f.kind), h('td', { 'data-label': 'Name' }, f.label), h('td', { 'data-label': 'Last used' }, f.lastUsedAt ? when(f.lastUsedAt, { withTime: true }) : 'Never'), h('td', { 'data-label': 'Actions' }, remove));
  });
  return h('table', { class: 'grid' }, h('thead', null, h('tr', null, ['Factor', 'Name', 'Last used', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, rows));
}

function passwordForm() {
  return form(
    { class: 'stack narrow', 'aria-label': 'Change your password' },
    [
      field('Current password', password({ name: 'current', autocomplete: 'current-password', minlength: null })),
      field('New password', password({ name: 'new', autocomplete: 'new-password' }), PASSWORD_HINT),
      h('button', { type: 'submit', class: 'btn', 'data-busy': 'Saving…' }, 'Change password'),
    ],
    async (fm) => {
      await gql('mutation Change($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }', { c: fm.elements.current.value, n: fm.elements.new.value });
      fm.reset();
      toast('Your password was changed. Your other sessions ended.');
    },
  );
}

export async function security(ctx) {
  const main = ctx.shell({ nav: 'security' });
  main.append(h('h1', { tabindex: '-1' }, 'Security'), h('p', { class: 'muted' }, `How ${session.user().email} signs in.`));
  ctx.showNotice(main);
  const err = alertBox();
  const factors = h('div', { class: 'factors' });
  const add = h('div');
  main.append(err, h('section', { class: 'settings', 'aria-label': 'Second factors' }, h('h2', null, 'Second factors'), factors, add), h('section', { class: 'settings', 'aria-label': 'Password' }, h('h2', null, 'Password'), passwordForm()));

  async function reload() {
    try {
      const d = await gql(FACTORS);
      if (!ctx.alive()) return;
      factors.replaceChildren(factorsTable(d.me.secondFactors, reload));
    } catch (e) {
      if (ctx.alive()) err.show(e);
    }
  }
  const start = h('button', { type: 'button', class: 'btn primary', 'data-busy': 'Preparing…' }, 'Add an authenticator app');
  start.addEventListener('click', async () => {
    try {
      const d = await withStepUp(() => gql('mutation Begin { beginTotpEnrolment { secret otpauthUri qrSvg } }'), 'Adding an authenticator app needs your second factor again.');
      if (!d) return;
      add.replaceChildren(enrolForm(d.beginTotpEnrolment, (codes) => {
        add.replaceChildren(codesBox(codes), buttons);
        toast('Your authenticator app is on: log-ins now ask for its code.');
        reload();
      }));
      add.querySelector('input[name=code]').focus();
    } catch (e) {
      err.show(e);
    }
  });
  const buttons = h('div', { class: 'actions' }, start, passkeysWork() ? passkeyButton(add, err, reload) : null, codesButton(add, err));
  add.append(buttons);
  await reload();
}

const REGENERATE = 'mutation Codes { regenerateRecoveryCodes }';

// "New recovery codes": the old ones stop working; asks for the second factor again
// when it was not verified in the last minutes.
function codesButton(add, err) {
  const b = h('button', { type: 'button', class: 'btn', 'data-busy': 'Making codes…' }, 'New recovery codes');
  b.addEventListener('click', async () => {
    err.show(null);
    try {
      const d = await withStepUp(() => gql(REGENERATE), 'New recovery codes need your second factor again.');
      if (!d) return;
      add.querySelector('section.alert.info')?.remove();
      add.prepend(codesBox(d.regenerateRecoveryCodes));
      toast('New recovery codes: the old ones no longer work.');
    } catch (e) {
      err.show(e);
    }
  });
  return b;
}

// "Add a passkey": the browser makes one (this device, a phone, a security key) for the
// options the API gives; the first factor also gets recovery codes. A person who has a
// factor gives it again first when it was not verified in the last minutes.
function passkeyButton(add, err, reload) {
  const b = h('button', { type: 'button', class: 'btn', 'data-busy': 'Waiting for your passkey…' }, 'Add a passkey');
  b.addEventListener('click', async () => {
    err.show(null);
    try {
      const d = await withStepUp(() => gql('mutation BeginPasskey { beginPasskeyEnrolment { challengeId optionsJson } }'), 'Adding a passkey needs your second factor again.');
      if (!d) return;
      let credentialJson;
      try {
        credentialJson = await createPasskey(d.beginPasskeyEnrolment.optionsJson);
      } catch (e) {
        err.show(passkeyMessage(e));
        return;
      }
      await gql('mutation FinishPasskey($id: ID!, $json: String!) { finishPasskeyEnrolment(challengeId: $id, credentialJson: $json, label: "Passkey") { id } }', { id: d.beginPasskeyEnrolment.challengeId, json: credentialJson });
      const me = await gql(FACTORS);
      if (!me.me.secondFactors.some((f) => f.kind === 'RECOVERY_CODE')) {
        const c = await gql(REGENERATE);
        add.prepend(codesBox(c.regenerateRecoveryCodes));
      }
      toast('Your passkey is on: log-ins can now use it.');
      reload();
    } catch (e) {
      err.show(e);
    }
  });
  return b;
}
