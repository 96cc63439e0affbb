// The partner's side of access the client controls (SPEC §13), from a client row: asking
// the client for access (a role, how long, why), saying why when entering (when the firm
// requires it; the client reads it), and who in the firm handles the client.

import { session } from '../api.js';
import { h, field, select, checkbox } from '../dom.js';
import { formDialog } from '../widgets/form-dialog.js';
import { requestAccess, assign, firmMembers } from './clients-api.js';

const who = (c) => c.name || c.email;

const ROLES = [
  ['ADMIN', 'Admin: can log in from your dashboard'],
  ['MANAGER', 'Manager'],
  ['EMPLOYEE', 'Employee'],
];
const LENGTHS = [
  ['30', '30 days'],
  ['7', '7 days'],
  ['90', '90 days'],
  ['365', 'One year'],
  ['', 'Until the client revokes it'],
];

// "Request access": the row as it is after asking, or null when cancelled.
export function askForAccess(c) {
  const role = select(ROLES, { name: 'role' });
  const days = select(LENGTHS, { name: 'days' });
  return formDialog({
    title: `Request access to ${who(c)}`,
    text: `${who(c)}'s owner and admins are emailed and decide: they may give a lower role or a shorter time.`,
    fields: [
      field('Role', role),
      field('For how long', days),
      field('Why', h('textarea', { name: 'reason', required: true, maxlength: '500', rows: '3' }), 'The client reads this.'),
    ],
    button: 'Send request',
    busyLabel: 'Sending…',
    submit: (fm) => requestAccess(c.id, role.value, days.value ? Number(days.value) : null, fm.elements.reason.value.trim()),
  });
}

// Why the person enters `c`, when their firm requires a reason (SPEC §13): the text,
// or null when they cancelled. Without the rule they enter at once ('': none given).
export async function askReason(c) {
  if (!session.user().account.accessReasonRequired) return '';
  const answer = await formDialog({
    title: `Log in to ${who(c)}`,
    text: `${who(c)} sees who entered and why in its access log, and a banner while you are there.`,
    fields: [field('Reason', h('input', { type: 'text', name: 'reason', required: true, maxlength: '500', autocomplete: 'off' }), 'Your firm asks for a reason each time you enter a client’s account.')],
    button: 'Log in',
    busyLabel: 'Opening…',
    submit: async (fm) => ({ reason: fm.elements.reason.value.trim() }),
  });
  return answer ? answer.reason : null;
}

// "Assign": who in the firm handles `c`; the row as it is after, or null.
export async function assignPeople(c) {
  const members = await firmMembers();
  const mine = new Set((c.assignees || []).map((u) => u.id));
  const boxes = members.map((u) => checkbox(`${u.name} (${u.email})`, { name: 'user', value: u.id, checked: mine.has(u.id) }));
  return formDialog({
    title: `Who handles ${who(c)}?`,
    text: 'Members who see only their assigned clients see this client once assigned.',
    fields: [h('fieldset', { class: 'stack' }, h('legend', null, 'People'), boxes)],
    button: 'Save',
    submit: (fm) => assign(c.id, [...fm.querySelectorAll('input[name=user]:checked')].map((b) => b.value)),
  });
}

// May the signed-in person assign people to clients (the owner, or a member who sees
// every client)?
export const canAssign = () => {
  const me = session.user();
  return me.role === 'OWNER' || me.clientScope !== 'ASSIGNED_CLIENTS';
};
