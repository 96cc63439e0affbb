// One row of the client list: the client, its status, its invite or how it came, its
// trial, the partner's access and last log-in, and the actions the API offers for it.

import { session } from '../api.js';
import { h, busy, toast, toastError, badge, when } from '../dom.js';
import { nameAndEmail } from '../widgets/table.js';
import { confirmAction } from '../widgets/confirm.js';
import { withStepUp } from '../widgets/second-step.js';
import { askForAccess, askReason, assignPeople, canAssign } from './clients-access.js';
import { resendInvite, revokeInvite, removeClient, resetClientPassword, logInToClient } from './clients-api.js';

export const COLUMNS = ['Client', 'Status', 'Invite', 'Trial ends', 'Partner access', 'Last partner log-in', 'Actions'];

const VIA = { EMAIL: 'Email invite', LINK: 'Invite link', FORM: 'Sign-up form', UPGRADE: 'Upgraded from V1' };
const INVITE_STATE = { SENT: 'Sent', EXPIRED: 'Expired', REVOKED: 'Revoked' };
// The partner's access: [what the cell says, what it means or what to do].
const ACCESS = {
  OK: ['Can log in', 'Your user in this account is an active owner or admin.'],
  MISSING: ['Not added', 'Request access (the client decides), or a client admin can add you.'],
  INACTIVE: ['Deactivated', 'A client admin can reactivate you.'],
  NOT_ADMIN: ['Not admin', 'A client admin can make you Admin again.'],
  PENDING: ['Requested', 'The client has not answered your request yet.'],
  EXPIRED: ['Ended', 'Your access reached its end: request it again.'],
  REVOKED: ['Revoked', 'The client ended your access: request it again.'],
};
// An invited client has no account yet, so there is nothing to log in to.
const NOT_YET = ['Not yet', 'No account until they accept the invite.'];

const who = (c) => c.name || c.email;
// Each action's button, in the order they are shown: [action, text, what the busy button
// says, class, the rest of its name, saying which client (read out, not shown)].
const BUTTONS = [
  ['LOG_IN', 'Log in', 'Opening…', 'btn small primary', (c) => ` to ${who(c)}`],
  ['REQUEST_ACCESS', 'Request access', 'Sending…', 'btn small', (c) => ` to ${who(c)}`],
  ['RESET_PASSWORD', 'Reset password', 'Sending…', 'btn small', (c) => ` in ${who(c)}`],
  ['RESEND_INVITE', 'Resend invite', 'Sending…', 'btn small', (c) => ` to ${c.email}`],
  ['REVOKE_INVITE', 'Revoke', 'Revoking…', 'btn small', (c) => ` the invite to ${c.email}`],
  ['REMOVE', 'Remove', 'Removing…', 'btn small danger-ghost', (c) => ` ${c.email} from your clients`],
];

// The actions that ask first: what the confirmation says.
const ASK = {
  REVOKE_INVITE: (c) => ({
    title: `Revoke the invite to ${c.email}?`,
    text: 'The link in the invite email stops working at once. You can send a new invite later with “Resend invite”.',
    confirm: 'Yes, revoke',
  }),
  REMOVE: (c) => ({
    title: `Remove ${c.email} from your clients?`,
    text: 'The row leaves your client list and its invite link stops working. The audit log keeps its history. You can invite this email again, or create the account with the sign-up form.',
    confirm: 'Yes, remove',
  }),
};

// What each action does, given how to leave the page (the context's `navigate`), how
// to show a changed row (`replace(client)`) and how to read the list again (`reread()`,
// after a row left it).
export function rowActions(navigate, replace, reread) {
  return {
    LOG_IN: async (c) => {
      // Why (the client reads it), then a second factor from the last minutes.
      const reason = await askReason(c);
      if (reason === null) return;
      const entered = await withStepUp(() => logInToClient(c.id, reason), `Logging in to ${who(c)} needs your second factor again.`);
      if (!entered) return;
      session.enterClient(entered, c);
      navigate('/client');
    },
    REQUEST_ACCESS: async (c) => {
      const row = await askForAccess(c);
      if (!row) return;
      replace(row);
      toast(`Request sent: ${who(c)} decides.`);
    },
    ASSIGN: async (c) => {
      const row = await assignPeople(c);
      if (row) toast(`Saved who handles ${who(c)}.`);
      reread();
    },
    RESET_PASSWORD: async (c) => {
      await resetClientPassword(c.id);
      toast(`We emailed you a link to set your password: the one you use in ${c.name || c.email} and in your partner account. It works once, for one hour.`);
    },
    RESEND_INVITE: async (c) => {
      replace(await resendInvite(c.id));
      toast(`Invite sent again to ${c.email}.`);
    },
    REVOKE_INVITE: async (c) => {
      replace(await revokeInvite(c.id));
      toast(`Invite to ${c.email} revoked: its link no longer works.`);
    },
    REMOVE: async (c) => {
      await removeClient(c.id);
      toast(`${c.email} was removed from your clients.`);
      reread();
    },
  };
}

// Runs action `key` on `c` from `button`, after asking when the action asks first.
async function act(button, key, c, actions, busyText) {
  if (ASK[key] && !(await confirmAction(ASK[key](c)))) return;
  await busy(button, () => actions[key](c).catch(toastError), busyText);
}

function actionsCell(c, actions) {
  const cell = h('div', { class: 'row-actions' });
  for (const [key, label, busyText, cls, which] of BUTTONS) {
    if (!c.availableActions.includes(key)) continue;
    const named = [label, h('span', { class: 'visually-hidden' }, which(c))];
    cell.append(h('button', { type: 'button', class: cls, onclick: (e) => act(e.currentTarget, key, c, actions, busyText) }, named));
  }
  if (canAssign()) {
    const named = ['Assign', h('span', { class: 'visually-hidden' }, ` people to ${who(c)}`)];
    cell.append(h('button', { type: 'button', class: 'btn small ghost', onclick: (e) => act(e.currentTarget, 'ASSIGN', c, actions, 'Saving…') }, named));
  }
  if (!cell.childNodes.length) cell.append(h('span', { class: 'muted' }, '—'));
  return cell;
}

// Who in the firm handles the client, when anyone is assigned.
const handledBy = (c) => (c.assignees && c.assignees.length ? h('div', { class: 'sub assignees' }, 'Handled by ', c.assignees.map((u) => u.name).join(', ')) : null);

// An invited client's invite (sent, expired or revoked); else how the client came.
function inviteCell(c) {
  if (c.status === 'INVITED' && c.inviteState) {
    const exp = c.inviteState === 'SENT' ? ['expires ', when(c.inviteExpiresAt)] : c.inviteState === 'EXPIRED' ? ['expired ', when(c.inviteExpiresAt)] : [];
    return [h('span', { class: `state i-${c.inviteState.toLowerCase()}` }, INVITE_STATE[c.inviteState]), exp.length ? h('div', { class: 'sub' }, exp) : null];
  }
  return [h('span', null, VIA[c.invitedVia] || c.invitedVia), h('div', { class: 'sub' }, 'added ', when(c.invitedAt))];
}

// The <tr> of client `c`; `actions`: rowActions(…). It remembers what it shows
// (`pdJson`), so that an unchanged row can stay on screen.
export function clientRow(c, actions) {
  const [accessText, why] = (c.status === 'INVITED' && c.partnerAccess === 'MISSING' ? NOT_YET : ACCESS[c.partnerAccess]) || [c.partnerAccess, ''];
  const tr = h(
    'tr',
    { 'data-id': c.id },
    h('td', null, nameAndEmail(c.name, c.email), c.companyId ? h('div', { class: 'sub cid' }, c.companyId) : null, handledBy(c)),
    h('td', null, badge(c.status)),
    h('td', null, inviteCell(c)),
    h('td', null, c.trialEndsAt && c.status !== 'PAYING' ? when(c.trialEndsAt) : h('span', { class: 'muted' }, '—')),
    h('td', null, h('span', { class: `access a-${c.partnerAccess.toLowerCase()}`, title: c.partnerAccess === 'OK' ? why : null }, accessText), c.partnerAccess === 'OK' ? null : h('div', { class: 'sub' }, why)),
    // Date and time may wrap, so that the actions fit a laptop's width.
    h('td', { class: 'wrap' }, c.lastPartnerLoginAt ? when(c.lastPartnerLoginAt, { withTime: true }) : h('span', { class: 'muted' }, 'Never')),
    h('td', { class: 'actions-cell' }, actionsCell(c, actions)),
  );
  tr.pdJson = JSON.stringify(c);
  return tr;
}
