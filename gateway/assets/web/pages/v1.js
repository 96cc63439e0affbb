// A V1 partner's pages: Partner Connect (link this account to a V2 partner dashboard)
// and Upgrade (move eligible clients to V2, one at a time, before their deadlines).

import { gql, session, isAdmin } from '../api.js';
import { h, append, field, form, busy, toast, toastError, badge, when, relative, alertBox } from '../dom.js';
import { table, nameAndEmail } from '../widgets/table.js';

const CONNECT = { PENDING: 'Being checked', CONNECTED: 'Connected', FAILED: 'Failed' };
const CONNECTION = 'status companyId message requestedAt completedAt';

// ---------------------------------------------------------------- Partner Connect

function connectionStatus(lc) {
  if (!lc) return [h('p', null, 'Not connected yet.')];
  return [
    h('p', null, h('span', { class: `state c-${lc.status.toLowerCase()}` }, CONNECT[lc.status]), ' ', `to the V2 partner account ${lc.companyId}`),
    lc.message ? h('p', { class: lc.status === 'FAILED' ? 'alert error' : 'alert info' }, lc.message) : null,
    h('p', { class: 'muted' }, 'Requested ', when(lc.requestedAt, { withTime: true }), lc.completedAt ? [' · finished ', when(lc.completedAt, { withTime: true })] : null),
    lc.status === 'CONNECTED' ? h('p', null, h('a', { href: '/upgrade' }, 'Upgrade your clients')) : null,
  ];
}

// The owner's request form; `requested(connection)` with the answer.
function connectForm(again, requested) {
  return h('section', { class: 'card', 'aria-labelledby': 'conn-f' },
    h('h2', { id: 'conn-f' }, again ? 'Try again' : 'Connect'),
    form(
      { class: 'stack narrow', 'aria-label': 'Connect to a V2 partner dashboard' },
      [
        field('Company ID', h('input', { type: 'text', name: 'companyId', required: true, maxlength: '7', placeholder: 'e.g. FZR4371', autocomplete: 'off' }), 'The Company ID of your V2 partner account.'),
        field('Owner email', h('input', { type: 'email', name: 'ownerEmail', required: true, autocomplete: 'off' }), 'The email of that account’s owner.'),
        h('button', { type: 'submit', class: 'btn primary', 'data-busy': 'Connecting…' }, 'Connect'),
      ],
      async (f) => {
        const d = await gql(
          `mutation Connect($companyId: String!, $ownerEmail: String!) { connectLegacyPartner(companyId: $companyId, ownerEmail: $ownerEmail) { ${CONNECTION} } }`,
          { companyId: f.elements.companyId.value.trim().toUpperCase(), ownerEmail: f.elements.ownerEmail.value.trim() },
        );
        requested(d.connectLegacyPartner);
      },
    ));
}

export async function connect(ctx) {
  const me = session.user();
  const main = ctx.shell({ nav: 'connect' });
  main.append(h('h1', { tabindex: '-1' }, 'Partner Connect'));
  if (me.account.platform !== 'V1') {
    main.append(h('p', null, 'Partner Connect links a legacy V1 partner account to a V2 partner dashboard. This account is already on V2.'));
    return;
  }
  main.append(h('p', { class: 'lead' }, 'Connect this V1 partner account to your V2 partner dashboard, then upgrade your eligible clients one at a time before their deadlines. Nothing moves until you upgrade a client, and this V1 account keeps working.'));
  const err = alertBox();
  const statusBox = h('section', { class: 'card', 'aria-labelledby': 'conn-h', 'aria-live': 'polite' });
  const formBox = h('div');
  main.append(err, statusBox, formBox);
  let timer = null;
  ctx.onDispose(() => clearTimeout(timer));

  function render(lc) {
    statusBox.replaceChildren(h('h2', { id: 'conn-h' }, 'Status'));
    append(statusBox, connectionStatus(lc));
    formBox.replaceChildren();
    if (lc && lc.status === 'PENDING') timer = setTimeout(poll, 2000);
    else if (lc && lc.status === 'CONNECTED') return;
    else if (me.role !== 'OWNER') formBox.append(h('p', { class: 'muted' }, 'Only the account owner can connect it.'));
    else {
      formBox.append(connectForm(Boolean(lc), (answer) => {
        render(answer);
        statusBox.querySelector('h2').focus();
      }));
    }
  }
  async function poll() {
    try {
      const d = await gql(`query Connection { legacyConnection { ${CONNECTION} } }`);
      if (ctx.alive()) render(d.legacyConnection);
    } catch (e) {
      if (ctx.alive()) err.show(e);
    }
  }
  statusBox.setAttribute('tabindex', '-1');
  await poll();
}

// ---------------------------------------------------------------- Upgrade

// What the upgrade page remembers between its reads: the upgrades asked for here and
// not yet shown done, the candidates listed last, and how often it polled.
function upgradeState() {
  return { pending: new Set(), shown: null, polls: 0 };
}

// The candidates to list, soonest deadline first, or null. The tab goes away once no
// client can be upgraded and none is under way: the upgrades asked for here are done,
// and are kept on show, done (`done` is then true).
function candidates(state, tab) {
  let done = false;
  if (!tab && state.shown && state.pending.size) {
    tab = { candidates: state.shown.map((c) => (state.pending.has(c.client.id) ? { ...c, upgraded: true } : c)) };
    done = true;
  }
  if (!tab) return { list: null, done };
  state.shown = tab.candidates;
  const list = [...tab.candidates].sort((a, b) => new Date(a.deadline) - new Date(b.deadline));
  list.forEach((c) => c.upgraded && state.pending.delete(c.client.id));
  return { list, done };
}

// The Upgrade cell of a candidate: its state, or the button.
function upgradeCell(c, { state, connected, canAct, upgrade }) {
  if (c.upgraded) return h('span', { class: 'state c-connected' }, 'Upgraded');
  if (state.pending.has(c.client.id)) return h('span', { class: 'state c-pending' }, 'Upgrade under way…');
  if (new Date(c.deadline).getTime() < Date.now()) return h('span', { class: 'muted' }, 'Deadline passed');
  if (!canAct) return h('span', { class: 'muted' }, 'Owners and admins upgrade');
  return h('button', { type: 'button', class: 'btn small primary', disabled: !connected, onclick: (e) => busy(e.currentTarget, () => upgrade(c.client), 'Upgrading…') }, 'Upgrade', h('span', { class: 'visually-hidden' }, ` ${c.client.name || c.client.email}`));
}

function candidatesTable(list, cell) {
  return table({
    caption: 'Clients eligible for an upgrade, soonest deadline first',
    columns: ['Client', 'Status', 'Deadline', 'Upgrade'],
    body: h('tbody', null, list.map((c) => h('tr', null,
      h('td', null, nameAndEmail(c.client.name, c.client.email)),
      h('td', null, badge(c.client.status)),
      h('td', null, when(c.deadline), h('div', { class: 'sub' }, relative(c.deadline))),
      h('td', null, cell(c))))),
  });
}

export async function upgrade(ctx) {
  const me = session.user();
  const main = ctx.shell({ nav: 'upgrade' });
  main.append(h('h1', { tabindex: '-1' }, 'Upgrade clients'));
  if (me.account.platform !== 'V1') {
    main.append(h('p', null, 'Upgrades move V1 clients to V2. This account is already on V2.'));
    return;
  }
  const err = alertBox();
  const body = h('div', { 'aria-live': 'polite' });
  main.append(h('p', { class: 'lead' }, 'Each upgrade creates the client’s V2 account in your connected V2 partner dashboard. Upgrade clients one at a time, each before its deadline.'), err, body);
  const state = upgradeState();
  let timer = null;
  ctx.onDispose(() => clearTimeout(timer));

  async function load() {
    const d = await gql('query UpgradeTab { legacyConnection { status } upgradeTab { candidates { deadline upgraded client { id name email status } } } }');
    if (!ctx.alive()) return;
    render(d);
  }
  async function upgradeOne(client) {
    try {
      await gql('mutation Upgrade($id: ID!) { upgradeClient(clientId: $id) { upgraded deadline client { id } } }', { id: client.id });
      state.pending.add(client.id); // until the list shows it upgraded
      toast(`Upgrading ${client.name || client.email}: their V2 account is being created.`);
      state.polls = 0;
      await load();
    } catch (x) {
      toastError(x);
    }
  }
  function render(d) {
    const connected = d.legacyConnection && d.legacyConnection.status === 'CONNECTED';
    body.replaceChildren();
    if (!connected) body.append(h('p', { class: 'alert info' }, 'Connect this account first: ', h('a', { href: '/connect' }, 'Partner Connect'), '.'));
    const { list, done } = candidates(state, d.upgradeTab);
    if (done) body.append(h('p', { class: 'alert ok' }, 'Done: no other client is left to upgrade.'));
    if (!list) {
      body.append(h('p', null, 'No clients can be upgraded.'));
      return;
    }
    const cellOpts = { state, connected, canAct: isAdmin(me), upgrade: upgradeOne };
    body.append(candidatesTable(list, (c) => upgradeCell(c, cellOpts)));
    clearTimeout(timer);
    if (state.pending.size && state.polls++ < 60) timer = setTimeout(() => load().catch(() => {}), 3000);
  }
  try {
    await load();
  } catch (e) {
    err.show(e);
  }
}
