// The client list's GraphQL: the documents and the calls the page and its rows make.

import { gql, ME } from '../api.js';

const ROW = `fragment Row on Client { id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions inviteExpiresAt inviteState partnerAccess lastPartnerLoginAt assignees { id name email } }`;
const PAGE = `fragment Page on ClientConnection { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { ...Row } } }`;
const LIST_ARGS = '$first: Int, $after: String, $last: Int, $before: String, $status: ClientStatus, $search: String, $orderBy: ClientOrder';
const LIST_CALL = 'clients(first: $first, after: $after, last: $last, before: $before, status: $status, search: $search, orderBy: $orderBy)';
const SIDE = `clientStatusCounts { invited trial trialExpired paying total }
  soon: clients(first: 5, status: TRIAL, trialEndsBefore: $soon, orderBy: {field: TRIAL_ENDS_AT, direction: ASC}) { totalCount edges { node { id name email trialEndsAt } } }
  discountTier { activeClients percentOff clientsToNextTier }`;

const Q_DASHBOARD = `query Dashboard(${LIST_ARGS}, $soon: DateTime!, $v1: Boolean!) {
  me { ${ME} }
  ${LIST_CALL} { ...Page }
  ${SIDE}
  legacyConnection @include(if: $v1) { status }
} ${PAGE} ${ROW}`;
const Q_LIST = `query ClientList(${LIST_ARGS}) { ${LIST_CALL} { ...Page } } ${PAGE} ${ROW}`;
const Q_SIDE = `query DashboardCounts($soon: DateTime!) { ${SIDE} }`;

// The live list's subscription (api.js `liveClients`).
export const S_LIVE = `subscription LiveClients { clientChanged { kind client { ...Row } } } ${ROW}`;

// "Trials ending soon": within 7 days.
const soonInstant = () => new Date(Date.now() + 7 * 86400 * 1000).toISOString();

// One round trip: the page (`vars`: clients-state.js `listVars`), the counts, trials
// ending soon, the tier, the user, and for a V1 account its Partner Connect status.
export const loadDashboard = (vars, v1) => gql(Q_DASHBOARD, { ...vars, soon: soonInstant(), v1 });
export const loadList = (vars) => gql(Q_LIST, vars);
// The counts, trials ending soon and the tier.
export const loadSide = () => gql(Q_SIDE, { soon: soonInstant() });

// ---- a row's actions (`Client.availableActions`); each answers the changed row

export async function resendInvite(id) {
  const d = await gql(`mutation Resend($id: ID!) { resendInvite(clientId: $id) { ...Row } } ${ROW}`, { id });
  return d.resendInvite;
}

export async function revokeInvite(id) {
  const d = await gql(`mutation Revoke($id: ID!) { revokeInvite(clientId: $id) { ...Row } } ${ROW}`, { id });
  return d.revokeInvite;
}

// Removes a row that is still INVITED; its link stops working.
export const removeClient = (id) => gql('mutation RemoveClient($id: ID!) { removeClient(clientId: $id) }', { id });

export const resetClientPassword = (id) => gql('mutation ResetClientPassword($id: ID!) { resetClientPassword(clientId: $id) }', { id });

// A client session (a cookie) and the partner's user in the client account; `reason`
// is shown to the client.
export async function logInToClient(id, reason) {
  const d = await gql(`mutation LogInToClient($id: ID!, $reason: String) { logInToClient(clientId: $id, reason: $reason) { expiresAt user { ${ME} } } }`, { id, reason: reason || null });
  return d.logInToClient;
}

// Asks the client for access; answers the row as it is now (PENDING).
export async function requestAccess(id, role, days, reason) {
  await gql('mutation RequestAccess($id: ID!, $role: Role!, $days: Int, $reason: String!) { requestClientAccess(clientId: $id, role: $role, days: $days, reason: $reason) { id } }', { id, role, days, reason });
  const d = await gql(`query Row($id: ID!) { client(id: $id) { ...Row } } ${ROW}`, { id });
  return d.client;
}

// Who in the firm handles a client; answers the row.
export async function assign(id, userIds) {
  const d = await gql(`mutation Assign($id: ID!, $users: [ID!]!) { setClientAssignees(clientId: $id, userIds: $users) { ...Row } } ${ROW}`, { id, users: userIds });
  return d.setClientAssignees;
}

// The firm's people who can be assigned.
export const firmMembers = () => gql('{ users { id name email role active } }').then((d) => d.users.filter((u) => u.active));
