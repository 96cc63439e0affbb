// The partner dashboard: the client list (tabs, search, sort, paging, live updates,
// row actions), the "Invite clients" dialog, trials ending soon, the discount tier;
// and the audit log, Partner Connect and Upgrade pages.

import { gql, session, liveClients, ME, ApiError } from './api.js';
import { h, append, put, field, form, select, busy, toast, toastError, badge, when, relative, alertBox, STATUS, uid } from './dom.js';
import { navigate, showNotice } from './app.js';

const ROW = `fragment Row on Client { id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions inviteExpiresAt inviteState partnerAccess lastPartnerLoginAt }`;
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
const S_LIVE = `subscription LiveClients { clientChanged { kind client { ...Row } } } ${ROW}`;

const PAGE_SIZE = 20;
const TABS = [
  [null, 'All', 'total'],
  ['INVITED', 'Invited', 'invited'],
  ['TRIAL', 'Trial', 'trial'],
  ['TRIAL_EXPIRED', 'Trial Expired', 'trialExpired'],
  ['PAYING', 'Paying', 'paying'],
];
const SORTS = [
  ['NAME.ASC', 'Name (A–Z)'],
  ['NAME.DESC', 'Name (Z–A)'],
  ['STATUS.ASC', 'Status'],
  ['INVITED_AT.DESC', 'Newest first'],
  ['INVITED_AT.ASC', 'Oldest first'],
  ['TRIAL_ENDS_AT.ASC', 'Trial ends soonest'],
];
const VIA = { EMAIL: 'Email invite', LINK: 'Invite link', FORM: 'Sign-up form', UPGRADE: 'Upgraded from V1' };
const INVITE_STATE = { SENT: 'Sent', EXPIRED: 'Expired', REVOKED: 'Revoked' };
const ACCESS = {
  OK: ['Can log in', 'Your user in this account is an active owner or admin.'],
  MISSING: ['No user', 'You have no user in this client account; a client admin can add one.'],
  INACTIVE: ['Deactivated', 'The client made your user inactive; a client admin can reactivate it.'],
  NOT_ADMIN: ['Not admin', 'The client changed your role below Admin; a client admin can change it back.'],
};

const soonInstant = () => new Date(Date.now() + 7 * 86400 * 1000).toISOString();
const isAdmin = (u) => u && (u.role === 'OWNER' || u.role === 'ADMIN');

// A tab list with roving focus: arrows move between tabs, Enter/Space or focus selects.
function tablist(label, items, selected, onSelect, { controls } = {}) {
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': label });
  const buttons = items.map(([key, content], i) => {
    const b = h('button', { type: 'button', role: 'tab', id: uid('tab'), 'aria-controls': controls ? controls(key) : null, onclick: () => choose(i, true) }, content);
    b.dataset.key = key == null ? '' : key;
    return b;
  });
  function mark(i) {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
    });
  }
  function choose(i, fire) {
    mark(i);
    if (fire) onSelect(items[i][0], buttons[i]);
  }
  list.addEventListener('keydown', (ev) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % buttons.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + buttons.length) % buttons.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = buttons.length - 1;
    if (j == null) return;
    ev.preventDefault();
    buttons[j].focus();
    choose(j, true);
  });
  list.append(...buttons);
  mark(Math.max(0, items.findIndex(([k]) => k === selected)));
  list.buttons = buttons;
  list.select = (key) => mark(Math.max(0, items.findIndex(([k]) => k === key)));
  return list;
}

// ---------------------------------------------------------------- dashboard

export async function dashboard(ctx) {
  const me = session.user();
  if (!isAdmin(me)) {
    const main = ctx.shell({ nav: 'clients' });
    main.append(
      h('h1', { tabindex: '-1' }, me.account.name),
      h('p', null, 'Only owners and admins of a partner account see its client list. Ask your account owner if you need access.'),
      h('p', null, h('a', { href: '/team' }, 'See your team')),
    );
    return;
  }
  const q = ctx.query;
  const state = {
    status: STATUS[q.get('status')] ? q.get('status') : null,
    search: q.get('q') || '',
    sort: SORTS.some(([k]) => k === q.get('sort')) ? q.get('sort') : 'NAME.ASC',
    cursor: {}, // {after} or {before}
    offset: 0,
    pageInfo: null,
    count: 0,
  };
  const rows = new Map(); // id -> <tr>

  const main = ctx.shell({ nav: 'clients' });
  const dialog = inviteDialog({ onChange: () => refresh({ side: true }) });
  const inviteBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => dialog.open() }, 'Invite clients');
  const exportBtn = h('button', { type: 'button', class: 'btn', onclick: (e) => busy(e.currentTarget, () => exportCsv(state)) }, 'Download CSV');
  main.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Clients'), h('div', { class: 'actions' }, exportBtn, inviteBtn)));
  showNotice(ctx, main);
  const v1Banner = h('div', { class: 'alert info', hidden: true });
  const tierCard = h('section', { class: 'card stat', 'aria-labelledby': 'tier-h' }, h('h2', { id: 'tier-h' }, 'Discount tier'), h('p', { class: 'muted' }, 'Loading…'));
  const soonCard = h('section', { class: 'card', 'aria-labelledby': 'soon-h' }, h('h2', { id: 'soon-h' }, 'Trials ending soon'), h('p', { class: 'muted' }, 'Loading…'));
  main.append(v1Banner, h('div', { class: 'cards' }, tierCard, soonCard));

  // Tabs, search and sort.
  const tableId = uid('clients');
  const tabLabel = (label) => [h('span', null, label), h('span', { class: 'count' }, '–')];
  const tabs = tablist('Client status', TABS.map(([k, label]) => [k, tabLabel(label)]), state.status, (key) => {
    state.status = key;
    resetPaging();
    refresh();
  }, { controls: () => tableId });
  const searchInput = h('input', { type: 'search', name: 'q', value: state.search, autocomplete: 'off', placeholder: 'Name or email' });
  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      if (searchInput.value.trim() === state.search) return;
      state.search = searchInput.value.trim();
      resetPaging();
      refresh();
    }, 350);
  });
  const searchForm = h('form', { class: 'search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); clearTimeout(searchTimer); state.search = searchInput.value.trim(); resetPaging(); refresh(); } }, field('Search', searchInput));
  const sortSelect = select(SORTS, { name: 'sort', onchange: () => { state.sort = sortSelect.value; resetPaging(); refresh(); } });
  sortSelect.value = state.sort;
  main.append(h('div', { class: 'toolbar' }, tabs, h('div', { class: 'filters' }, searchForm, field('Sort by', sortSelect))));

  // The table.
  const listError = alertBox();
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'grid clients', id: tableId },
    h('caption', { class: 'visually-hidden' }, 'Your clients'),
    h('thead', null, h('tr', null, ['Client', 'Status', 'Invite', 'Trial ends', 'Partner access', 'Last partner log-in', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody,
  );
  const range = h('p', { class: 'muted range', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => page(-1) }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => page(1) }, 'Next');
  main.append(listError, h('div', { class: 'table-wrap' }, table), h('div', { class: 'pager' }, range, h('div', { class: 'actions' }, prev, next)));
  main.append(dialog.el);

  function resetPaging() {
    state.cursor = {};
    state.offset = 0;
  }
  function listVars() {
    const [field, direction] = state.sort.split('.');
    const v = { status: state.status, search: state.search || null, orderBy: { field, direction } };
    if (state.cursor.before) Object.assign(v, { last: PAGE_SIZE, before: state.cursor.before });
    else Object.assign(v, { first: PAGE_SIZE, after: state.cursor.after || null });
    return v;
  }
  function syncUrl() {
    const p = new URLSearchParams();
    if (state.status) p.set('status', state.status);
    if (state.search) p.set('q', state.search);
    if (state.sort !== 'NAME.ASC') p.set('sort', state.sort);
    const s = p.toString();
    history.replaceState(null, '', `${location.pathname}${s ? `?${s}` : ''}`);
  }

  function renderList(conn) {
    state.pageInfo = conn.pageInfo;
    state.count = conn.totalCount;
    // Rows that did not change keep their elements (and the focus in them).
    const before = new Map(rows);
    rows.clear();
    const trs = conn.edges.map(({ node }) => {
      const json = JSON.stringify(node);
      const old = before.get(node.id);
      const tr = old && old.pdJson === json ? old : rowFor(node);
      rows.set(node.id, tr);
      return tr;
    });
    if (!trs.length) {
      const msg = state.search || state.status ? 'No clients match.' : 'No clients yet. Use “Invite clients” to add your first.';
      trs.push(h('tr', null, h('td', { colspan: '7', class: 'empty' }, msg)));
    }
    const same = trs.length === tbody.children.length && trs.every((tr, i) => tbody.children[i] === tr);
    if (!same) tbody.replaceChildren(...trs);
    if (!conn.pageInfo.hasPreviousPage) state.offset = 0;
    const n = conn.edges.length;
    range.textContent = n ? `${state.offset + 1}–${state.offset + n} of ${conn.totalCount}` : `0 of ${conn.totalCount}`;
    prev.disabled = !conn.pageInfo.hasPreviousPage;
    next.disabled = !conn.pageInfo.hasNextPage;
    state.shown = n;
    table.removeAttribute('aria-busy');
  }

  function renderSide(d) {
    const c = d.clientStatusCounts;
    tabs.buttons.forEach((b, i) => {
      b.querySelector('.count').textContent = String(c[TABS[i][2]]);
    });
    const t = d.discountTier;
    tierCard.replaceChildren(
      h('h2', { id: 'tier-h' }, 'Discount tier'),
      h('p', { class: 'big' }, `${t.percentOff}% off`),
      h('p', null, `${t.activeClients} active ${t.activeClients === 1 ? 'client' : 'clients'} (Trial and Paying).`),
      h('p', { class: 'muted' }, t.clientsToNextTier == null ? 'You are at the top tier.' : `${t.clientsToNextTier} more active ${t.clientsToNextTier === 1 ? 'client' : 'clients'} to reach the next tier.`),
    );
    const soon = d.soon;
    const items = soon.edges.map(({ node }) =>
      h('li', null, h('span', { class: 'soon-name' }, node.name || node.email), ' ', h('span', { class: 'muted' }, 'ends ', when(node.trialEndsAt, { rel: true }))),
    );
    const more = h('button', { type: 'button', class: 'link', onclick: () => { state.status = 'TRIAL'; state.sort = 'TRIAL_ENDS_AT.ASC'; sortSelect.value = state.sort; tabs.select('TRIAL'); resetPaging(); refresh(); } }, soon.totalCount > items.length ? `See all ${soon.totalCount}` : 'Show in the list');
    put(soonCard,
      h('h2', { id: 'soon-h' }, 'Trials ending soon'),
      items.length ? [h('p', { class: 'muted' }, 'Trials that end in the next 7 days.'), h('ul', { class: 'soon' }, items), more] : h('p', { class: 'muted' }, 'No trial ends in the next 7 days.'),
    );
  }

  function rowFor(c) {
    const actions = h('div', { class: 'row-actions' });
    const act = (label, fn, cls = 'btn small') => actions.append(h('button', { type: 'button', class: cls, onclick: (e) => busy(e.currentTarget, () => fn().catch(toastError)) }, label));
    const has = (a) => c.availableActions.includes(a);
    if (has('LOG_IN')) act('Log in', () => logInTo(c), 'btn small primary');
    if (has('RESET_PASSWORD')) act('Reset password', async () => {
      await gql('mutation ResetClientPassword($id: ID!) { resetClientPassword(clientId: $id) }', { id: c.id });
      toast(`We emailed you a link to reset your password in ${c.name || c.email}. It works once, for one hour.`);
    });
    if (has('RESEND_INVITE')) act('Resend invite', async () => {
      const d = await gql(`mutation Resend($id: ID!) { resendInvite(clientId: $id) { ...Row } } ${ROW}`, { id: c.id });
      replaceRow(d.resendInvite);
      toast(`Invite sent again to ${c.email}.`);
    });
    if (has('REVOKE_INVITE')) act('Revoke', async () => {
      const d = await gql(`mutation Revoke($id: ID!) { revokeInvite(clientId: $id) { ...Row } } ${ROW}`, { id: c.id });
      replaceRow(d.revokeInvite);
      toast(`Invite to ${c.email} revoked: its link no longer works.`);
    });
    if (!actions.childNodes.length) actions.append(h('span', { class: 'muted' }, '—'));

    let invite;
    if (c.status === 'INVITED' && c.inviteState) {
      const exp = c.inviteState === 'SENT' ? ['expires ', when(c.inviteExpiresAt)] : c.inviteState === 'EXPIRED' ? ['expired ', when(c.inviteExpiresAt)] : [];
      invite = [h('span', { class: `state i-${c.inviteState.toLowerCase()}` }, INVITE_STATE[c.inviteState]), exp.length ? h('div', { class: 'sub' }, exp) : null];
    } else invite = [h('span', null, VIA[c.invitedVia] || c.invitedVia), h('div', { class: 'sub' }, 'added ', when(c.invitedAt))];
    const [accessText, accessTitle] = ACCESS[c.partnerAccess] || [c.partnerAccess, ''];
    const tr = h(
      'tr',
      { 'data-id': c.id },
      h('td', null, c.name ? h('div', { class: 'name' }, c.name) : null, h('div', { class: c.name ? 'sub' : 'name' }, c.email), c.companyId ? h('div', { class: 'sub cid' }, c.companyId) : null),
      h('td', null, badge(c.status)),
      h('td', null, invite),
      h('td', null, c.trialEndsAt && c.status !== 'PAYING' ? when(c.trialEndsAt) : h('span', { class: 'muted' }, '—')),
      h('td', null, h('span', { class: `access a-${c.partnerAccess.toLowerCase()}`, title: accessTitle }, accessText)),
      // Date and time may wrap, so that the actions fit a laptop's width.
      h('td', { class: 'wrap' }, c.lastPartnerLoginAt ? when(c.lastPartnerLoginAt, { withTime: true }) : h('span', { class: 'muted' }, 'Never')),
      h('td', null, actions),
    );
    tr.pdJson = JSON.stringify(c);
    return tr;
  }

  function replaceRow(c, flash = false) {
    const old = rows.get(c.id);
    if (!old) return false;
    const tr = rowFor(c);
    if (flash) tr.classList.add('flash');
    // Keep keyboard focus on the same action when the row under it is replaced.
    const focused = old.contains(document.activeElement) ? document.activeElement.textContent : null;
    old.replaceWith(tr);
    rows.set(c.id, tr);
    if (focused) {
      const same = [...tr.querySelectorAll('button')].find((b) => b.textContent === focused);
      (same || tr.querySelector('button') || searchInput).focus();
    }
    return true;
  }

  async function logInTo(c) {
    const d = await gql(`mutation LogInToClient($id: ID!) { logInToClient(clientId: $id) { token expiresAt user { ${ME} } } }`, { id: c.id });
    session.enterClient(d.logInToClient, c);
    navigate('/client');
  }

  let seq = 0;
  async function refresh({ side = false } = {}) {
    const mine = ++seq;
    syncUrl();
    table.setAttribute('aria-busy', 'true');
    listError.show(null);
    try {
      const tasks = [gql(Q_LIST, listVars())];
      if (side) tasks.push(gql(Q_SIDE, { soon: soonInstant() }));
      const [d, s] = await Promise.all(tasks);
      if (!ctx.alive() || mine !== seq) return;
      renderList(d.clients);
      if (s) renderSide(s);
    } catch (err) {
      if (!ctx.alive()) return;
      table.removeAttribute('aria-busy');
      listError.show(err);
    }
  }
  async function refreshSide() {
    try {
      const s = await gql(Q_SIDE, { soon: soonInstant() });
      if (ctx.alive()) renderSide(s);
    } catch {
      /* the next change tries again */
    }
  }
  function page(dir) {
    const pi = state.pageInfo;
    if (!pi) return;
    if (dir > 0) {
      state.offset += state.shown || 0;
      state.cursor = { after: pi.endCursor };
    } else {
      state.offset = Math.max(0, state.offset - PAGE_SIZE);
      state.cursor = { before: pi.startCursor };
    }
    refresh();
  }

  // One round trip: the page, the counts, trials ending soon and the tier.
  try {
    const d = await gql(Q_DASHBOARD, { ...listVars(), soon: soonInstant(), v1: me.account.platform === 'V1' });
    if (!ctx.alive()) return;
    session.setUser(d.me);
    renderList(d.clients);
    renderSide(d);
    const lc = d.legacyConnection;
    if (me.account.platform === 'V1' && (!lc || lc.status !== 'CONNECTED')) {
      v1Banner.replaceChildren('This is a V1 partner account. ', h('a', { href: '/connect' }, lc ? `Partner Connect: ${lc.status.toLowerCase()}` : 'Connect it to your V2 partner dashboard'), ' to upgrade your clients.');
      v1Banner.hidden = false;
    }
  } catch (err) {
    if (!ctx.alive()) return;
    listError.show(err);
    return;
  }

  // Live updates once the list is on screen.
  let sideTimer = null;
  let listTimer = null;
  const later = (which) => {
    if (which === 'list') {
      clearTimeout(listTimer);
      listTimer = setTimeout(() => refresh(), 300);
    }
    clearTimeout(sideTimer);
    sideTimer = setTimeout(refreshSide, 400);
  };
  const live = liveClients({
    token: session.token(),
    query: S_LIVE,
    onNext: (change) => {
      if (!ctx.alive()) return;
      const replaced = change.kind === 'UPDATED' && replaceRow(change.client, true);
      if (!replaced && change.kind === 'ADDED') later('list');
      else later('side');
    },
    onReconnect: () => later('list'),
    onEnd: (reason) => {
      session.clear();
      navigate('/login', { replace: true, message: reason });
    },
  });
  ctx.onDispose(() => {
    live.stop();
    clearTimeout(sideTimer);
    clearTimeout(listTimer);
    clearTimeout(searchTimer);
  });
}

async function exportCsv(state) {
  const p = new URLSearchParams();
  if (state.status) p.set('status', state.status);
  if (state.search) p.set('search', state.search);
  try {
    const res = await fetch(`/export/clients.csv${p.toString() ? `?${p}` : ''}`, { headers: { authorization: `Bearer ${session.token()}` }, cache: 'no-store' });
    if (!res.ok) {
      let msg = `The export failed (HTTP ${res.status}).`;
      try {
        const b = await res.json();
        if (b.errors && b.errors[0]) msg = b.errors[0].message;
      } catch {
        /* not JSON */
      }
      toast(msg, 'error');
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: 'clients.csv', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch {
    toast('Cannot reach the server. Check your connection and try again.', 'error');
  }
}

// ---------------------------------------------------------------- invite dialog

const OUTCOME = { INVITED: 'Invited', WOULD_INVITE: 'Will be invited', ALREADY_CLIENT: 'Already a client', DUPLICATE_IN_BATCH: 'Duplicate in this list', INVALID: 'Invalid' };

function inviteDialog({ onChange }) {
  const titleId = uid('dlg');
  const panels = {};
  const methods = [
    ['email', 'By email'],
    ['link', 'Invite link'],
    ['form', 'Sign-up form'],
    ['bulk', 'Bulk (CSV)'],
  ];
  const panelId = (k) => `${titleId}-${k}`;
  const tabs = tablist('Invite method', methods.map(([k, t]) => [k, t]), 'email', (key) => show(key), { controls: panelId });
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const close = h('button', { type: 'button', class: 'btn ghost close', onclick: () => dlg.close() }, 'Close');

  // By email.
  panels.email = h(
    'div',
    null,
    h('p', { class: 'muted' }, 'The client is listed as Invited at once and gets an email with a single-use link (valid 30 days).'),
    form(
      { class: 'stack', 'aria-label': 'Invite by email' },
      [
        field('Client email', h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' })),
        field('Company name', h('input', { type: 'text', name: 'companyName', maxlength: '200', autocomplete: 'off' }), 'Optional.'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Send invite'),
      ],
      async (f) => {
        const email = f.elements.email.value.trim();
        const companyName = f.elements.companyName.value.trim() || null;
        await gql('mutation Invite($email: String!, $companyName: String) { inviteClientByEmail(email: $email, companyName: $companyName) { id email } }', { email, companyName });
        f.reset();
        dlg.close();
        toast(`Invite sent to ${email}.`);
        onChange();
      },
    ),
  );

  // The unique link.
  const linkInput = h('input', { type: 'text', readOnly: true, name: 'link', value: '' });
  const linkAlert = alertBox();
  const confirmBox = h('div', { class: 'alert warn', hidden: true });
  const copyBtn = h('button', { type: 'button', class: 'btn primary', disabled: true, onclick: copyLink }, 'Copy link');
  const regenBtn = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('button').focus(); } }, 'Regenerate link');
  confirmBox.append(
    h('p', null, 'The current link stops working at once. Anyone who has it will need the new one.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn danger', onclick: (e) => busy(e.currentTarget, regenerate) }, 'Yes, regenerate'),
      h('button', { type: 'button', class: 'btn', onclick: () => { confirmBox.hidden = true; regenBtn.focus(); } }, 'Cancel')),
  );
  panels.link = h(
    'div',
    null,
    h('p', { class: 'muted' }, 'Share your unique link: anyone who signs up through it becomes your client, on a free trial.'),
    linkAlert,
    field('Your invite link', linkInput),
    h('div', { class: 'actions' }, copyBtn, regenBtn),
    confirmBox,
  );
  let linkLoaded = false;
  async function loadLink() {
    if (linkLoaded) return;
    try {
      const d = await gql('query InviteLink { inviteLink { code url } }');
      linkInput.value = d.inviteLink.url;
      copyBtn.disabled = regenBtn.disabled = false;
      linkLoaded = true;
    } catch (err) {
      linkAlert.show(err);
    }
  }
  async function copyLink() {
    try {
      await navigator.clipboard.writeText(linkInput.value);
    } catch {
      linkInput.select();
      try {
        document.execCommand('copy');
      } catch {
        /* selected for the person to copy */
      }
    }
    toast('Invite link copied.');
  }
  async function regenerate() {
    linkAlert.show(null);
    try {
      const d = await gql('mutation Regenerate { regenerateInviteLink { code url } }');
      linkInput.value = d.regenerateInviteLink.url;
      confirmBox.hidden = true;
      regenBtn.focus();
      toast('A new invite link is ready; the old one no longer works.');
    } catch (err) {
      linkAlert.show(err);
    }
  }

  // The sign-up form.
  panels.form = h(
    'div',
    null,
    h('p', { class: 'muted' }, 'Recommended: creates the client’s account on a trial at once, emails the contact a link to set a password, and gives you an admin user in it so you can log in to help.'),
    form(
      { class: 'stack', 'aria-label': 'Create a client account' },
      [
        field('Company name', h('input', { type: 'text', name: 'companyName', required: true, maxlength: '200', autocomplete: 'off' })),
        field('Contact name', h('input', { type: 'text', name: 'contactName', required: true, maxlength: '200', autocomplete: 'off' })),
        field('Contact email', h('input', { type: 'email', name: 'contactEmail', required: true, autocomplete: 'off' })),
        h('button', { type: 'submit', class: 'btn primary' }, 'Create client account'),
      ],
      async (f) => {
        const input = { companyName: f.elements.companyName.value.trim(), contactName: f.elements.contactName.value.trim(), contactEmail: f.elements.contactEmail.value.trim() };
        await gql('mutation CreateClient($input: CreateClientAccountInput!) { createClientAccount(input: $input) { id name } }', { input });
        f.reset();
        dlg.close();
        toast(`The account for ${input.companyName} is ready; ${input.contactEmail} was emailed a link to set a password.`);
        onChange();
      },
    ),
  );

  // Bulk CSV.
  const fileInput = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv,text/plain' });
  const text = h('textarea', { name: 'rows', rows: '6', spellcheck: 'false', placeholder: 'email,companyName\nana@example.com,Ana’s Bakery' });
  const report = h('div', { class: 'report', 'aria-live': 'polite' });
  const sendBtn = h('button', { type: 'button', class: 'btn primary', disabled: true }, 'Send invites');
  let previewed = null;
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    text.value = await file.text();
    previewed = null;
    sendBtn.disabled = true;
    report.replaceChildren();
  });
  text.addEventListener('input', () => {
    previewed = null;
    sendBtn.disabled = true;
  });
  const bulkForm = form(
    { class: 'stack', 'aria-label': 'Bulk invite' },
    [
      field('CSV file', fileInput, 'Columns: email, companyName (a header row is optional). Up to 500 rows.'),
      field('Or paste the rows', text),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, 'Preview'), sendBtn),
    ],
    async () => {
      const rows = parseRows(text.value);
      if (!rows.length) throw new ApiError('Add at least one row: choose a CSV file or paste the rows.');
      if (rows.length > 500) throw new ApiError(`At most 500 rows at once; this list has ${rows.length}.`);
      const r = await bulk(rows, true);
      previewed = rows;
      showReport(r, rows, true);
      sendBtn.disabled = r.wouldInvite === 0;
    },
  );
  sendBtn.addEventListener('click', () =>
    busy(sendBtn, async () => {
      if (!previewed) return;
      bulkForm.alert.show(null);
      try {
        const r = await bulk(previewed, false);
        showReport(r, previewed, false);
        previewed = null;
        sendBtn.disabled = true;
        toast(`${r.invited} ${r.invited === 1 ? 'client' : 'clients'} invited.`);
        onChange();
      } catch (err) {
        bulkForm.alert.show(err);
      }
    }).then(() => {
      sendBtn.disabled = !previewed;
    }),
  );
  async function bulk(rows, dryRun) {
    const d = await gql(
      'mutation Bulk($rows: [BulkInviteRow!]!, $dryRun: Boolean) { inviteClients(rows: $rows, dryRun: $dryRun) { invited wouldInvite skipped invalid results { row email outcome message } } }',
      { rows, dryRun },
    );
    return d.inviteClients;
  }
  function showReport(r, rows, dry) {
    const summary = dry
      ? `Preview: ${r.wouldInvite} will be invited, ${r.skipped} skipped, ${r.invalid} invalid. Nothing has been sent yet.`
      : `Done: ${r.invited} invited, ${r.skipped} skipped, ${r.invalid} invalid.`;
    report.replaceChildren(
      h('p', { class: dry ? 'alert info' : 'alert ok' }, summary),
      h('div', { class: 'table-wrap' }, h(
        'table',
        { class: 'grid compact' },
        h('caption', { class: 'visually-hidden' }, dry ? 'Preview of the bulk invite' : 'Result of the bulk invite'),
        h('thead', null, h('tr', null, ['Row', 'Email', 'Company name', 'Outcome', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, r.results.map((x) => {
          const src = rows[x.row - 1] || {};
          return h('tr', null, h('td', null, String(x.row)), h('td', null, x.email), h('td', null, src.companyName || ''), h('td', null, h('span', { class: `outcome o-${x.outcome.toLowerCase()}` }, OUTCOME[x.outcome] || x.outcome)), h('td', null, x.message || ''));
        })),
      )),
    );
  }
  panels.bulk = h('div', null, h('p', { class: 'muted' }, 'Invite many clients at once. Preview first: it shows what happens to every row and sends nothing.'), bulkForm, report);

  const panelEls = methods.map(([k]) => {
    const p = h('div', { role: 'tabpanel', id: panelId(k), class: 'panel', hidden: k !== 'email' }, panels[k]);
    p.setAttribute('aria-labelledby', tabs.buttons[methods.findIndex(([m]) => m === k)].id);
    return p;
  });
  function show(key) {
    panelEls.forEach((p, i) => {
      p.hidden = methods[i][0] !== key;
    });
    if (key === 'link') loadLink();
  }
  append(dlg, [h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, 'Invite clients'), close), tabs, panelEls]);
  return {
    el: dlg,
    open() {
      dlg.showModal();
      const first = panelEls.find((p) => !p.hidden).querySelector('input, textarea, button');
      if (first) first.focus();
    },
  };
}

// CSV (RFC 4180: quotes, doubled quotes, CRLF) to rows of {email, companyName}.
export function parseRows(textValue) {
  const records = [];
  let rec = [];
  let cell = '';
  let quoted = false;
  const s = textValue.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';' || c === '\t') {
      rec.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      rec.push(cell);
      records.push(rec);
      rec = [];
      cell = '';
    } else cell += c;
  }
  rec.push(cell);
  records.push(rec);
  const filled = records.map((r) => r.map((x) => x.trim())).filter((r) => r.some((x) => x));
  if (!filled.length) return [];
  let emailCol = 0;
  let nameCol = 1;
  const head = filled[0].map((x) => x.toLowerCase().replace(/[\s_-]/g, ''));
  if (head.includes('email')) {
    emailCol = head.indexOf('email');
    nameCol = head.findIndex((x) => x === 'companyname' || x === 'company' || x === 'name');
    filled.shift();
  }
  return filled.map((r) => ({ email: r[emailCol] || '', companyName: (nameCol >= 0 && r[nameCol]) || null }));
}

// ---------------------------------------------------------------- audit log

const ACTIONS = {
  'client.invited': 'Invited a client',
  'client.bulk_invited': 'Invited clients in bulk',
  'client.invite_resent': 'Resent an invite',
  'client.invite_revoked': 'Revoked an invite',
  'client.invite_accepted': 'Client accepted the invite',
  'client.signed_up_with_link': 'Client signed up with the invite link',
  'client.created': 'Created a client account',
  'client.log_in': 'Logged in to a client',
  'client.password_reset_requested': 'Asked to reset a client-account password',
  'client.subscribed': 'Client subscribed',
  'client.upgrade_requested': 'Asked to upgrade a client',
  'client.upgraded': 'Client upgraded to V2',
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
  'support.viewed': 'Support viewed the account',
  'support.searched': 'Support found the account in a search',
  'support.retried_delivery': 'Support sent an email again',
};

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
  const tbody = h('tbody');
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  main.append(
    err,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid' }, h('caption', { class: 'visually-hidden' }, 'Audit log'), h('thead', null, h('tr', null, ['When', 'What', 'Who', 'Client', 'Detail', 'From'].map((t) => h('th', { scope: 'col' }, t)))), tbody)),
    h('div', { class: 'pager' }, more),
  );
  let after = null;
  const person = (u) => (u ? [h('div', null, u.name), h('div', { class: 'sub' }, u.email)] : h('span', { class: 'muted' }, 'System'));
  async function load() {
    const d = await gql(
      'query Audit($after: String) { auditLog(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id at action detail ip requestId actor { name email } onBehalfOf { name email } targetClient { name email } } } } }',
      { after },
    );
    if (!ctx.alive()) return;
    const log = d.auditLog;
    if (!after && !log.edges.length) tbody.append(h('tr', null, h('td', { colspan: '6', class: 'empty' }, 'Nothing yet.')));
    for (const { node: e } of log.edges) {
      tbody.append(
        h(
          'tr',
          null,
          h('td', { class: 'nowrap' }, when(e.at, { withTime: true })),
          h('td', null, h('div', null, ACTIONS[e.action] || e.action), h('div', { class: 'sub mono' }, e.action)),
          h('td', null, person(e.actor), e.onBehalfOf ? h('div', { class: 'sub via' }, e.actor && e.actor.email === e.onBehalfOf.email ? 'from the partner dashboard' : `on behalf of ${e.onBehalfOf.name} (${e.onBehalfOf.email})`) : null),
          h('td', null, e.targetClient ? e.targetClient.name || e.targetClient.email : h('span', { class: 'muted' }, '—')),
          h('td', null, e.detail || ''),
          h('td', { class: 'mono sub', title: e.requestId ? `Request ${e.requestId}` : null }, e.ip || ''),
        ),
      );
    }
    after = log.pageInfo.endCursor;
    more.hidden = !log.pageInfo.hasNextPage;
  }
  more.addEventListener('click', () => busy(more, () => load().catch((e) => err.show(e))));
  try {
    await load();
  } catch (e) {
    err.show(e);
  }
}

// ---------------------------------------------------------------- Partner Connect (V1)

const CONNECT = { PENDING: 'Being checked', CONNECTED: 'Connected', FAILED: 'Failed' };

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
    if (!lc) statusBox.append(h('p', null, 'Not connected yet.'));
    else {
      append(statusBox, [
        h('p', null, h('span', { class: `state c-${lc.status.toLowerCase()}` }, CONNECT[lc.status]), ' ', `to the V2 partner account ${lc.companyId}`),
        lc.message ? h('p', { class: lc.status === 'FAILED' ? 'alert error' : 'alert info' }, lc.message) : null,
        h('p', { class: 'muted' }, 'Requested ', when(lc.requestedAt, { withTime: true }), lc.completedAt ? [' · finished ', when(lc.completedAt, { withTime: true })] : null),
        lc.status === 'CONNECTED' ? h('p', null, h('a', { href: '/upgrade' }, 'Upgrade your clients')) : null,
      ]);
    }
    formBox.replaceChildren();
    if (lc && lc.status === 'PENDING') {
      timer = setTimeout(poll, 2000);
      return;
    }
    if (lc && lc.status === 'CONNECTED') return;
    if (me.role !== 'OWNER') {
      formBox.append(h('p', { class: 'muted' }, 'Only the account owner can connect it.'));
      return;
    }
    formBox.append(
      h('section', { class: 'card', 'aria-labelledby': 'conn-f' },
        h('h2', { id: 'conn-f' }, lc ? 'Try again' : 'Connect'),
        form(
          { class: 'stack narrow', 'aria-label': 'Connect to a V2 partner dashboard' },
          [
            field('Company ID', h('input', { type: 'text', name: 'companyId', required: true, maxlength: '7', placeholder: 'e.g. FZR4371', autocomplete: 'off' }), 'The Company ID of your V2 partner account.'),
            field('Owner email', h('input', { type: 'email', name: 'ownerEmail', required: true, autocomplete: 'off' }), 'The email of that account’s owner.'),
            h('button', { type: 'submit', class: 'btn primary' }, 'Connect'),
          ],
          async (f) => {
            const d = await gql(
              'mutation Connect($companyId: String!, $ownerEmail: String!) { connectLegacyPartner(companyId: $companyId, ownerEmail: $ownerEmail) { status companyId message requestedAt completedAt } }',
              { companyId: f.elements.companyId.value.trim().toUpperCase(), ownerEmail: f.elements.ownerEmail.value.trim() },
            );
            render(d.connectLegacyPartner);
            statusBox.querySelector('h2').focus();
          },
        )),
    );
  }
  async function poll() {
    try {
      const d = await gql('query Connection { legacyConnection { status companyId message requestedAt completedAt } }');
      if (ctx.alive()) render(d.legacyConnection);
    } catch (e) {
      if (ctx.alive()) err.show(e);
    }
  }
  statusBox.setAttribute('tabindex', '-1');
  await poll();
}

// ---------------------------------------------------------------- Upgrade tab (V1)

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
  const pending = new Set();
  let shown = null; // the candidates this page listed last
  let timer = null;
  let polls = 0;
  ctx.onDispose(() => clearTimeout(timer));

  async function load() {
    const d = await gql('query UpgradeTab { legacyConnection { status } upgradeTab { candidates { deadline upgraded client { id name email status } } } }');
    if (!ctx.alive()) return;
    render(d);
  }
  function render(d) {
    const connected = d.legacyConnection && d.legacyConnection.status === 'CONNECTED';
    const canAct = isAdmin(me);
    body.replaceChildren();
    if (!connected) body.append(h('p', { class: 'alert info' }, 'Connect this account first: ', h('a', { href: '/connect' }, 'Partner Connect'), '.'));
    let tab = d.upgradeTab;
    if (!tab && shown && pending.size) {
      // The tab goes away once no client can be upgraded and none is under way: the
      // upgrades asked for here are done. Keep showing them, done.
      tab = { candidates: shown.map((c) => (pending.has(c.client.id) ? { ...c, upgraded: true } : c)) };
      body.append(h('p', { class: 'alert ok' }, 'Done: no other client is left to upgrade.'));
    }
    if (!tab) {
      body.append(h('p', null, 'No clients can be upgraded.'));
      return;
    }
    shown = tab.candidates;
    const list = [...tab.candidates].sort((a, b) => new Date(a.deadline) - new Date(b.deadline));
    list.forEach((c) => c.upgraded && pending.delete(c.client.id));
    body.append(
      h('div', { class: 'table-wrap' }, h(
        'table',
        { class: 'grid' },
        h('caption', { class: 'visually-hidden' }, 'Clients eligible for an upgrade, soonest deadline first'),
        h('thead', null, h('tr', null, ['Client', 'Status', 'Deadline', 'Upgrade'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, list.map((c) => {
          const past = new Date(c.deadline).getTime() < Date.now();
          let cell;
          if (c.upgraded) cell = h('span', { class: 'state c-connected' }, 'Upgraded');
          else if (pending.has(c.client.id)) cell = h('span', { class: 'state c-pending' }, 'Upgrade under way…');
          else if (past) cell = h('span', { class: 'muted' }, 'Deadline passed');
          else if (!canAct) cell = h('span', { class: 'muted' }, 'Owners and admins upgrade');
          else {
            cell = h('button', { type: 'button', class: 'btn small primary', disabled: !connected, onclick: (e) => busy(e.currentTarget, async () => {
              try {
                const r = await gql('mutation Upgrade($id: ID!) { upgradeClient(clientId: $id) { upgraded deadline client { id } } }', { id: c.client.id });
                pending.add(c.client.id); // until the list shows it upgraded
                toast(`Upgrading ${c.client.name || c.client.email}: their V2 account is being created.`);
                polls = 0;
                await load();
              } catch (x) {
                toastError(x);
              }
            }) }, 'Upgrade');
          }
          return h('tr', null,
            h('td', null, c.client.name ? h('div', { class: 'name' }, c.client.name) : null, h('div', { class: c.client.name ? 'sub' : 'name' }, c.client.email)),
            h('td', null, badge(c.client.status)),
            h('td', null, when(c.deadline), h('div', { class: 'sub' }, relative(c.deadline))),
            h('td', null, cell));
        })),
      )),
    );
    clearTimeout(timer);
    if (pending.size && polls++ < 60) timer = setTimeout(() => load().catch(() => {}), 3000);
  }
  try {
    await load();
  } catch (e) {
    err.show(e);
  }
}

