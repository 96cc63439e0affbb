// The firm owner's second-factor controls on the Team page (SPEC §12): the policy (every
// member needs a second factor from an instant) and resetting a member's factors (a lost
// phone: their factors and recovery codes go, their sessions end).

import { gql } from '../api.js';
import { h, field, form, toast, toastError, when } from '../dom.js';
import { confirmAction } from '../widgets/confirm.js';

export const TEAM_SECURITY = 'me { account { secondFactorRequiredFrom } } users { id name email role clientScope secondFactors { kind } }';

const SET_POLICY = 'mutation Policy($input: FirmPolicyInput!) { setFirmPolicy(input: $input) { secondFactorRequiredFrom } }';

// What the policy is now, in words (the instant in the person's own time).
const policyText = (from) => {
  if (!from) return ['Second factors are optional: each member decides.'];
  const at = when(from, { withTime: true });
  return new Date(from) <= new Date() ? ['Every member needs a second factor (since ', at, ').'] : ['Every member will need a second factor from ', at, '.'];
};

function policyForm(from, changed) {
  const status = h('p', { role: 'status' }, ...policyText(from));
  const local = h('input', { type: 'datetime-local', name: 'from', required: true, class: 'when' });
  const f = form(
    { class: 'inline-form', 'aria-label': 'Require second factors' },
    [field('From', local, 'Members without one are asked to add one when they next log in.'), h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Saving…' }, 'Require')],
    async () => {
      const d = await gql(SET_POLICY, { input: { secondFactorRequiredFrom: new Date(local.value).toISOString() } });
      changed(d.setFirmPolicy.secondFactorRequiredFrom);
    },
  );
  const now = h('button', { type: 'button', class: 'btn', 'data-busy': 'Saving…' }, 'Require from now');
  now.addEventListener('click', () => gql(SET_POLICY, { input: { secondFactorRequiredFrom: new Date().toISOString() } }).then((d) => changed(d.setFirmPolicy.secondFactorRequiredFrom), toastError));
  const off = h('button', { type: 'button', class: 'btn danger-ghost' }, 'Turn off');
  off.hidden = !from;
  off.addEventListener('click', () => gql(SET_POLICY, { input: { secondFactorRequiredFrom: null } }).then(() => changed(null), toastError));
  return h('div', { class: 'stack' }, status, h('div', { class: 'actions' }, now, off), f);
}

function memberRow(u) {
  const kinds = u.secondFactors.filter((f) => f.kind !== 'RECOVERY_CODE');
  const cell = h('td', { 'data-label': 'Second factors' }, kinds.length ? `${kinds.length} (${kinds.map((f) => (f.kind === 'TOTP' ? 'app' : 'passkey')).join(', ')})` : 'None');
  const reset = h('button', { type: 'button', class: 'btn small danger-ghost' }, 'Reset second factors', h('span', { class: 'visually-hidden' }, ` of ${u.email}`));
  reset.disabled = !u.secondFactors.length;
  reset.addEventListener('click', async () => {
    const ok = await confirmAction({ title: `Reset ${u.name}’s second factors?`, text: `${u.name} (${u.email}) loses their authenticator apps, passkeys and recovery codes, and is signed out everywhere. They log in with their password and add a new one.`, confirm: 'Yes, reset' });
    if (!ok) return;
    try {
      await gql('mutation Reset($id: ID!) { resetSecondFactors(userId: $id) { id } }', { id: u.id });
      cell.textContent = 'None';
      reset.disabled = true;
      toast(`${u.name}’s second factors were reset; they were signed out.`);
    } catch (e) {
      toastError(e);
    }
  });
  return h('tr', null, h('td', { 'data-label': 'Member' }, u.name, h('div', { class: 'muted' }, u.email)), cell, h('td', { 'data-label': 'Actions' }, reset));
}

// The section, for the owner `me` with the answer of TEAM_SECURITY.
export function teamSecurity(d, me) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'team-sf-h' }, h('h2', { id: 'team-sf-h' }, 'Second factors'));
  const policy = h('div');
  const show = (from) => {
    policy.replaceChildren(policyForm(from, (next) => {
      toast(next ? 'The policy was saved.' : 'Second factors are optional again.');
      show(next);
    }));
  };
  show(d.me.account.secondFactorRequiredFrom);
  const members = d.users.filter((u) => u.id !== me.id);
  const rows = members.map(memberRow);
  section.append(
    policy,
    h('h3', null, 'Members'),
    rows.length
      ? h('table', { class: 'grid', 'aria-label': 'Second factors of the members' }, h('thead', null, h('tr', null, ['Member', 'Second factors', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, rows))
      : h('p', { class: 'muted' }, 'No other members yet.'),
  );
  return section;
}
