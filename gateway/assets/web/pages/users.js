// The users of an account, with management for its owner and admins: add, change role,
// deactivate. Shown on the client account page and a partner's Team page.

import { gql, isAdmin } from '../api.js';
import { h, field, form, select, busy, toast, toastError, ROLE } from '../dom.js';
import { table } from '../widgets/table.js';
import { confirmAction } from '../widgets/confirm.js';

export const USER = 'id email name role active';
const ROLES = [
  ['ADMIN', 'Admin'],
  ['MANAGER', 'Manager'],
  ['EMPLOYEE', 'Employee'],
];

// What the confirmation says before `u` stops being an admin.
function demotion(u, to) {
  return {
    title: `Make ${u.name} ${ROLE[to]}?`,
    text: `${u.name} (${u.email}) will no longer be an admin here: they cannot manage users or the subscription. If they are your accountant’s user, your accountant can no longer log in to help you.`,
    confirm: `Yes, make ${ROLE[to]}`,
  };
}

// A user's role: a select for those `me` may change, else text.
function roleCell(u, { auth, editable, replace }) {
  if (!editable) return h('span', null, ROLE[u.role] || u.role);
  const role = select(ROLES, { 'aria-label': `Role of ${u.email}`, class: 'inline' });
  role.value = u.role;
  role.addEventListener('change', async () => {
    // Taking someone's Admin role away (the accountant's user too) asks first.
    if (u.role === 'ADMIN' && role.value !== 'ADMIN' && !(await confirmAction(demotion(u, role.value)))) {
      role.value = u.role;
      return;
    }
    role.disabled = true;
    try {
      const d = await gql(`mutation SetRole($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { ${USER} } }`, { id: u.id, role: role.value }, { auth });
      replace(d.setUserRole, true);
      toast(`${u.name} is now ${ROLE[d.setUserRole.role]}.`);
    } catch (err) {
      role.value = u.role;
      role.disabled = false;
      toastError(err);
    }
  });
  return role;
}

// Deactivate or Reactivate, for those `me` may change.
function activeCell(u, { auth, editable, replace }) {
  if (!editable) return h('span', { class: 'muted' }, '—');
  const flip = async () => {
    try {
      const d = await gql(`mutation SetActive($id: ID!, $active: Boolean!) { setUserActive(userId: $id, active: $active) { ${USER} } }`, { id: u.id, active: !u.active }, { auth });
      replace(d.setUserActive, true);
      toast(d.setUserActive.active ? `${u.name} can log in again.` : `${u.name} is deactivated and signed out everywhere.`);
    } catch (err) {
      toastError(err);
    }
  };
  const label = u.active ? 'Deactivate' : 'Reactivate';
  return h('button', { type: 'button', class: u.active ? 'btn small danger-ghost' : 'btn small', onclick: (e) => busy(e.currentTarget, flip, 'Saving…') }, label, h('span', { class: 'visually-hidden' }, ` ${u.email}`));
}

function userRow(u, me, opts) {
  const self = u.id === me.id;
  // The owner, oneself, and everyone for a non-admin are shown, not changed.
  const cell = { ...opts, editable: opts.canManage && u.role !== 'OWNER' && !self };
  return h(
    'tr',
    { 'data-id': u.id },
    h('td', null, h('div', { class: 'name' }, u.name, self ? h('span', { class: 'muted' }, ' (you)') : null)),
    h('td', null, u.email),
    h('td', null, roleCell(u, cell)),
    h('td', null, h('span', { class: u.active ? 'state c-connected' : 'state c-failed' }, u.active ? 'Active' : 'Inactive')),
    h('td', null, activeCell(u, cell)),
  );
}

function addUserForm(auth, added) {
  const roleSel = select(ROLES, { name: 'role' });
  roleSel.value = 'EMPLOYEE';
  return form(
    { class: 'inline-form', 'aria-label': 'Add a user' },
    [
      field('Email', h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' })),
      field('Name', h('input', { type: 'text', name: 'name', required: true, maxlength: '200', autocomplete: 'off' })),
      field('Role', roleSel),
      h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Adding…' }, 'Add user'),
    ],
    async (f) => {
      const input = { email: f.elements.email.value.trim(), name: f.elements.name.value.trim(), role: roleSel.value };
      const d = await gql(`mutation AddUser($input: AddUserInput!) { addUser(input: $input) { ${USER} } }`, { input }, { auth });
      added(d.addUser);
      f.reset();
      roleSel.value = 'EMPLOYEE';
      toast(`${d.addUser.name} was added and emailed a link to set a password.`);
    },
  );
}

// The users of the account behind `auth` ('main' or 'client'), as `me` sees them.
export function usersSection(users, me, auth) {
  const canManage = isAdmin(me);
  const tbody = h('tbody');
  const byId = new Map();
  const section = h('section', { class: 'card', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'));
  function replace(u, keepFocus) {
    const tr = userRow(u, me, { auth, canManage, replace });
    const old = byId.get(u.id);
    if (old) old.replaceWith(tr);
    else tbody.append(tr);
    byId.set(u.id, tr);
    if (keepFocus) {
      const target = tr.querySelector('select, button');
      if (target && !target.disabled) target.focus();
    }
  }
  users.forEach((u) => replace(u, false));
  section.append(table({ caption: 'Users of this account', columns: ['Name', 'Email', 'Role', 'Status', 'Actions'], body: tbody }));
  if (canManage) section.append(h('h3', null, 'Add a user'), addUserForm(auth, (u) => replace(u, false)));
  else section.append(h('p', { class: 'muted' }, 'Only owners and admins manage users.'));
  return section;
}
