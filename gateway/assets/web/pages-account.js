// An account's own pages: the client account (as its owner, or as the partner's user
// in it after "Log in"), and a partner's team. Users: add, change role, deactivate.

import { gql, session, ME } from './api.js';
import { h, field, form, select, busy, toast, toastError, badge, when, alertBox, ROLE } from './dom.js';
import { navigate, showNotice } from './app.js';

const USER = 'id email name role active';
const ROLES = [
  ['ADMIN', 'Admin'],
  ['MANAGER', 'Manager'],
  ['EMPLOYEE', 'Employee'],
];
const isAdmin = (u) => u && (u.role === 'OWNER' || u.role === 'ADMIN');

// The users of the account behind `auth`, with management for its OWNER/ADMINs.
function usersSection(users, me, auth) {
  const canManage = isAdmin(me);
  const tbody = h('tbody');
  const byId = new Map();
  const section = h('section', { class: 'card', 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'));

  function rowFor(u) {
    const self = u.id === me.id;
    let role;
    if (u.role === 'OWNER' || !canManage || self) role = h('span', null, ROLE[u.role] || u.role);
    else {
      role = select(ROLES, { 'aria-label': `Role of ${u.email}`, class: 'inline' });
      role.value = u.role;
      role.addEventListener('change', async () => {
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
    }
    let action = h('span', { class: 'muted' }, '—');
    if (canManage && u.role !== 'OWNER' && !self) {
      action = h('button', { type: 'button', class: u.active ? 'btn small danger-ghost' : 'btn small', onclick: (e) => busy(e.currentTarget, async () => {
        try {
          const d = await gql(`mutation SetActive($id: ID!, $active: Boolean!) { setUserActive(userId: $id, active: $active) { ${USER} } }`, { id: u.id, active: !u.active }, { auth });
          replace(d.setUserActive, true);
          toast(d.setUserActive.active ? `${u.name} can log in again.` : `${u.name} is deactivated and signed out everywhere.`);
        } catch (err) {
          toastError(err);
        }
      }) }, u.active ? 'Deactivate' : 'Reactivate');
    }
    return h(
      'tr',
      { 'data-id': u.id },
      h('td', null, h('div', { class: 'name' }, u.name, self ? h('span', { class: 'muted' }, ' (you)') : null)),
      h('td', null, u.email),
      h('td', null, role),
      h('td', null, h('span', { class: u.active ? 'state c-connected' : 'state c-failed' }, u.active ? 'Active' : 'Inactive')),
      h('td', null, action),
    );
  }
  function replace(u, keepFocus) {
    const tr = rowFor(u);
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
  section.append(
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid' }, h('caption', { class: 'visually-hidden' }, 'Users of this account'), h('thead', null, h('tr', null, ['Name', 'Email', 'Role', 'Status', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
  );
  if (canManage) {
    const roleSel = select(ROLES, { name: 'role' });
    roleSel.value = 'EMPLOYEE';
    section.append(
      h('h3', null, 'Add a user'),
      form(
        { class: 'inline-form', 'aria-label': 'Add a user' },
        [
          field('Email', h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' })),
          field('Name', h('input', { type: 'text', name: 'name', required: true, maxlength: '200', autocomplete: 'off' })),
          field('Role', roleSel),
          h('button', { type: 'submit', class: 'btn primary' }, 'Add user'),
        ],
        async (f) => {
          const input = { email: f.elements.email.value.trim(), name: f.elements.name.value.trim(), role: roleSel.value };
          const d = await gql(`mutation AddUser($input: AddUserInput!) { addUser(input: $input) { ${USER} } }`, { input }, { auth });
          replace(d.addUser, false);
          f.reset();
          roleSel.value = 'EMPLOYEE';
          toast(`${d.addUser.name} was added and emailed a link to set a password.`);
        },
      ),
    );
  } else section.append(h('p', { class: 'muted' }, 'Only owners and admins manage users.'));
  return section;
}

// ---------------------------------------------------------------- the client account

export async function clientView(ctx, { asPartner }) {
  const auth = asPartner ? 'client' : 'main';
  const user = asPartner ? session.clientUser() : session.user();
  let banner = null;
  if (asPartner) {
    const back = h('button', { type: 'button', class: 'btn primary', onclick: (e) => busy(e.currentTarget, backToPartner) }, 'Back to partner dashboard');
    banner = h(
      'div',
      { class: 'banner', role: 'region', 'aria-label': 'Client session' },
      h('p', null, 'You are in ', h('strong', null, user.account.name), ' as your own user there (', user.email, ', ', ROLE[user.role] || user.role, '). The session lasts one hour.'),
      back,
    );
  }
  const main = ctx.shell({ nav: null, user, banner });
  const title = h('h1', { tabindex: '-1' }, user.account.name);
  const sub = h('p', { class: 'muted' }, `Company ID ${user.account.companyId} · your role: ${ROLE[user.role] || user.role}`);
  main.append(title, sub);
  showNotice(ctx, main);
  const err = alertBox();
  main.append(err);

  let data;
  let status = null;
  try {
    data = await gql(`query ClientAccount { me { ${ME} account { plan subscribedAt trialEndsAt } } users { ${USER} } plans { id name description } }`, {}, { auth });
    if (!ctx.alive()) return;
    // Where the subscription stands, from the account itself.
    const acc = data.me.account;
    if (acc.plan) status = { status: 'PAYING', plan: acc.plan, since: acc.subscribedAt };
    else if (acc.trialEndsAt) {
      status = { status: new Date(acc.trialEndsAt) > new Date() ? 'TRIAL' : 'TRIAL_EXPIRED', trialEndsAt: acc.trialEndsAt };
    }
  } catch (e) {
    if (ctx.alive()) err.show(e);
    return;
  }
  const me = data.me;
  if (asPartner) session.setClientUser(me);
  else session.setUser(me);

  // Subscription.
  const planText = (st) => {
    const plan = data.plans.find((p) => p.id === st.plan);
    return [`Subscribed to ${plan ? plan.name : st.plan}`, st.since ? [' since ', when(st.since)] : null, '.'];
  };
  const subBox = h('section', { class: 'card', 'aria-labelledby': 'sub-h' });
  function renderSub() {
    subBox.replaceChildren(h('h2', { id: 'sub-h' }, 'Subscription'));
    if (status) {
      subBox.append(
        h('p', null, badge(status.status), ' ',
          status.status === 'TRIAL' && status.trialEndsAt ? ['Free trial until ', when(status.trialEndsAt)] : null,
          status.status === 'TRIAL_EXPIRED' ? 'The free trial has ended: subscribe to keep using Time.' : null,
          status.status === 'PAYING' ? planText(status) : null),
      );
    } else subBox.append(h('p', { class: 'muted' }, 'Choose a plan to keep using Time after your free trial.'));
    const paying = status && status.status === 'PAYING';
    const canBuy = isAdmin(me) && !paying;
    subBox.append(
      h('ul', { class: 'plans' }, data.plans.map((p) =>
        h('li', { class: 'plan' },
          h('h3', null, p.name),
          p.description ? h('p', { class: 'muted' }, p.description) : null,
          canBuy ? h('button', { type: 'button', class: 'btn primary', onclick: (e) => busy(e.currentTarget, async () => {
            try {
              await gql('mutation Subscribe($plan: String!) { subscribe(plan: $plan) { id } }', { plan: p.id }, { auth });
              status = { status: 'PAYING', plan: p.id, since: new Date().toISOString() };
              renderSub();
              toast(`Subscribed to ${p.name}.`);
              subBox.querySelector('h2').focus();
            } catch (x) {
              toastError(x);
            }
          }) }, `Subscribe to ${p.name}`) : null))),
    );
    if (!isAdmin(me)) subBox.append(h('p', { class: 'muted' }, 'Only owners and admins can subscribe.'));
  }
  subBox.setAttribute('tabindex', '-1');
  renderSub();
  main.append(h('div', { class: 'stack-sections' }, subBox, usersSection(data.users, me, auth)));
}

async function backToPartner() {
  await gql('mutation { logOut }', {}, { auth: 'client' }).catch(() => {});
  session.clearClient();
  navigate('/');
}

// ---------------------------------------------------------------- a partner's team

export async function team(ctx) {
  const main = ctx.shell({ nav: 'team' });
  main.append(h('h1', { tabindex: '-1' }, 'Team'), h('p', { class: 'muted' }, 'The people of your firm. Admins see and act on your clients; the owner also reads the audit log.'));
  const err = alertBox();
  main.append(err);
  try {
    const d = await gql(`query Team { me { ${ME} } users { ${USER} } }`);
    if (!ctx.alive()) return;
    session.setUser(d.me);
    main.append(usersSection(d.users, d.me, 'main'));
  } catch (e) {
    if (ctx.alive()) err.show(e);
  }
}
