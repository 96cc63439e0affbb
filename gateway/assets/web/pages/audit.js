// The audit log (the partner account's owner): everything done in the account and its
// client accounts, newest first, 50 at a time.

import { gql, session } from '../api.js';
import { h, busy, when, alertBox } from '../dom.js';
import { table, loadingRow } from '../widgets/table.js';

// What each audit action (`AuditLogEntry.action`) means to a person.
const ACTIONS = {
  'client.invited': 'Invited a client',
  'client.bulk_invited': 'Invited clients in bulk',
  'client.invite_resent': 'Resent an invite',
  'client.invite_revoked': 'Revoked an invite',
  'client.removed': 'Removed an invited client',
  'client.invite_accepted': 'Client accepted the invite',
  'client.signed_up_with_link': 'Client signed up with the invite link',
  'client.created': 'Created a client account',
  'client.log_in': 'Logged in to a client',
  'client.password_reset_requested': 'Asked to reset a client-account password',
  'client.subscribed': 'Client subscribed',
  'client.upgrade_requested': 'Asked to upgrade a client',
  'client.upgraded': 'Client upgraded to V2',
  'clients.exported': 'Downloaded the client list (CSV)',
  'partner.invite_link_regenerated': 'Regenerated the invite link',
  'partner.connect_requested': 'Requested Partner Connect',
  'partner.connect_succeeded': 'Partner Connect succeeded',
  'partner.connect_failed': 'Partner Connect failed',
  'user.added': 'Added a user',
  'user.role_changed': 'Changed a user’s role',
  'user.deactivated': 'Deactivated a user',
  'user.activated': 'Reactivated a user',
  'user.password_set': 'Set a password',
  'user.password_reset': 'Reset a password',
  'user.password_reset_requested': 'Asked for a password reset',
  'user.password_changed': 'Changed their password',
  'user.second_factor_added': 'Added a second factor',
  'user.second_factor_removed': 'Removed a second factor',
  'user.recovery_codes_regenerated': 'Made new recovery codes',
  'user.second_factor_failed': 'Failed a second step',
  'access.requested': 'Asked for access',
  'access.approved': 'Approved access',
  'access.declined': 'Declined access',
  'access.revoked': 'Revoked access',
  'access.expired': 'Access ended',
  'client.assignees_changed': 'Changed who handles a client',
  'user.client_scope_changed': 'Changed which clients a member sees',
  'user.second_factors_reset': "Reset a member's second factors",
  'partner.policy_changed': "Changed the firm's policy",
  'support.viewed': 'Support viewed the account',
  'support.searched': 'Support found the account in a search',
  'support.retried_delivery': 'Support sent an email again',
  'staff.added': 'Ops added a support staff user',
  'staff.removed': 'Ops removed a support staff user',
};

const Q_AUDIT =
  'query Audit($after: String) { auditLog(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id at action detail ip requestId actor { name email } onBehalfOf { name email } targetClient { name email } } } } }';

const person = (u) => (u ? [h('div', null, u.name), h('div', { class: 'sub' }, u.email)] : h('span', { class: 'muted' }, 'System'));

function entryRow(e) {
  return h(
    'tr',
    null,
    h('td', { class: 'nowrap' }, when(e.at, { withTime: true })),
    h('td', null, h('div', null, ACTIONS[e.action] || e.action), h('div', { class: 'sub mono' }, e.action)),
    h('td', null, person(e.actor), e.onBehalfOf ? h('div', { class: 'sub via' }, e.actor && e.actor.email === e.onBehalfOf.email ? 'from the partner dashboard' : `on behalf of ${e.onBehalfOf.name} (${e.onBehalfOf.email})`) : null),
    h('td', null, e.targetClient ? e.targetClient.name || e.targetClient.email : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'detail' }, e.detail || ''),
    h('td', { class: 'mono sub', title: e.requestId ? `Request ${e.requestId}` : null }, e.ip || ''),
  );
}

export async function audit(ctx) {
  const me = session.user();
  const main = ctx.shell({ nav: 'audit' });
  main.append(h('h1', { tabindex: '-1' }, 'Audit log'));
  if (me.role !== 'OWNER') {
    main.append(h('p', null, 'Only the account owner can read the audit log.'));
    return;
  }
  main.append(h('p', { class: 'muted' }, 'Everything done in your account and your client accounts, newest first.'));
  const err = alertBox();
  const columns = ['When', 'What', 'Who', 'Client', 'Detail', 'From'];
  const tbody = h('tbody', null, loadingRow(columns.length, 'Loading the audit log…'));
  const more = h('button', { type: 'button', class: 'btn', hidden: true, 'data-busy': 'Loading…' }, 'Load more');
  main.append(err, table({ caption: 'Audit log', columns, body: tbody, className: 'grid audit' }), h('div', { class: 'pager' }, more));
  let after = null;
  async function load() {
    const d = await gql(Q_AUDIT, { after });
    if (!ctx.alive()) return;
    const log = d.auditLog;
    if (!after) tbody.replaceChildren();
    if (!after && !log.edges.length) tbody.append(h('tr', null, h('td', { colspan: String(columns.length), class: 'empty' }, 'Nothing yet.')));
    tbody.append(...log.edges.map(({ node }) => entryRow(node)));
    after = log.pageInfo.endCursor;
    more.hidden = !log.pageInfo.hasNextPage;
  }
  more.addEventListener('click', () => busy(more, () => load().catch((e) => err.show(e))));
  try {
    await load();
  } catch (e) {
    tbody.replaceChildren();
    err.show(e);
  }
}
