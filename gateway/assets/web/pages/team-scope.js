// The firm owner's choice, on the Team page, of which clients each member sees (SPEC
// §13): every client of the firm, or only those assigned to them ("Assign" on a client
// row). The owner always sees all.

import { gql } from '../api.js';
import { h, select, toast, toastError } from '../dom.js';

const SCOPES = [
  ['ALL_CLIENTS', 'All clients'],
  ['ASSIGNED_CLIENTS', 'Only assigned clients'],
];

function scopeRow(u) {
  const pick = select(SCOPES, { 'aria-label': `Clients ${u.email} sees`, class: 'inline' });
  pick.value = u.clientScope || 'ALL_CLIENTS';
  pick.addEventListener('change', async () => {
    pick.disabled = true;
    try {
      await gql('mutation Scope($id: ID!, $scope: ClientScope!) { setClientScope(userId: $id, scope: $scope) { clientScope } }', { id: u.id, scope: pick.value });
      toast(pick.value === 'ALL_CLIENTS' ? `${u.name} sees every client.` : `${u.name} sees only the clients assigned to them.`);
    } catch (e) {
      toastError(e);
    } finally {
      pick.disabled = false;
    }
  });
  return h('tr', null, h('td', { 'data-label': 'Member' }, u.name, h('div', { class: 'muted' }, u.email)), h('td', { 'data-label': 'Sees' }, pick));
}

// The section for the owner `me`, with the firm's users (each with `clientScope`).
export function teamScope(users, me) {
  const members = users.filter((u) => u.id !== me.id && u.role !== 'OWNER');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'team-scope-h' },
    h('h2', { id: 'team-scope-h' }, 'Which clients each member sees'),
    members.length
      ? h('table', { class: 'grid', 'aria-label': 'Clients each member sees' }, h('thead', null, h('tr', null, ['Member', 'Sees'].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, members.map(scopeRow)))
      : h('p', { class: 'muted' }, 'No other members yet.'),
  );
}
