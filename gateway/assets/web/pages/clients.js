// The partner dashboard's client list (`/`, `/clients`): tabs, search, sort, paging,
// live updates and row actions; the invite dialog; trials ending soon; the discount
// tier. This module holds the list's flow: what to load when, and the live updates.
// The state is clients-state.js's, the drawing clients-view.js's.

import { session, isAdmin, liveClients } from '../api.js';
import { h } from '../dom.js';
import { listState, change, rememberSize, listVars, addressQuery, filtered, showing, rangeText, turn, TRIALS_SOONEST } from './clients-state.js';
import { loadDashboard, loadList, loadSide, S_LIVE } from './clients-api.js';
import { rowActions } from './clients-row.js';
import { clientsView } from './clients-view.js';

// Why the live list closed for good, as the log-in page says it.
const ENDED = 'Your session ended. Please log in again.';
const ENDED_BY_ROLE = 'Your role changed: only owners and admins see the client list. Please log in again.';

function notAdmin(ctx, me) {
  const main = ctx.shell({ nav: 'clients' });
  main.append(
    h('h1', { tabindex: '-1' }, me.account.name),
    h('p', null, 'Only owners and admins of a partner account see its client list. Ask your account owner if you need access.'),
    h('p', null, h('a', { href: '/team' }, 'See your team')),
  );
}

// Live updates once the list is on screen: a changed row is swapped in place; an added
// client, or a connection that came back, reads the list again; the counts and cards
// follow every change.
function followLive(ctx, { replace, refresh, refreshSide }) {
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
    session: 'main',
    query: S_LIVE,
    onNext: (change) => {
      if (!ctx.alive()) return;
      const replaced = change.kind === 'UPDATED' && replace(change.client);
      if (!replaced && change.kind === 'ADDED') later('list');
      else later('side');
    },
    onReconnect: () => later('list'),
    onEnd: (code) => {
      session.clear();
      ctx.navigate('/login', { replace: true, message: code === 4403 ? ENDED_BY_ROLE : ENDED });
    },
  });
  ctx.onDispose(() => {
    live.stop();
    clearTimeout(sideTimer);
    clearTimeout(listTimer);
  });
}

export async function dashboard(ctx) {
  const me = session.user();
  if (!isAdmin(me)) return notAdmin(ctx, me);
  const state = listState(ctx.query);
  const view = clientsView(ctx, state, {
    changed: (patch) => {
      change(state, patch);
      if (patch.size) rememberSize(patch.size);
      refresh();
    },
    turn: (dir) => {
      if (turn(state, dir)) refresh({ top: true });
    },
    invited: () => refresh({ side: true }),
    seeSoon: () => {
      change(state, TRIALS_SOONEST);
      view.toolbar.sync();
      refresh();
    },
    actions: rowActions(ctx.navigate, (c) => view.table.replace(c), () => refresh({ side: true })),
  });
  const showList = (conn) => {
    showing(state, conn);
    view.showList(conn, filtered(state), rangeText(state));
  };

  let seq = 0;
  // `top`: the person turned the page, and is taken to the new page's top.
  async function refresh({ side = false, top = false } = {}) {
    const mine = ++seq;
    history.replaceState(null, '', `${location.pathname}${addressQuery(state)}`);
    view.table.loading();
    view.listError.show(null);
    try {
      const [d, s] = await Promise.all([loadList(listVars(state)), side ? loadSide() : null]);
      if (!ctx.alive() || mine !== seq) return;
      showList(d.clients);
      if (top) view.table.toTop();
      if (s) view.showSide(s);
    } catch (err) {
      if (!ctx.alive()) return;
      view.table.failed();
      view.listError.show(err);
    }
  }
  async function refreshSide() {
    try {
      const s = await loadSide();
      if (ctx.alive()) view.showSide(s);
    } catch {
      /* the next change tries again */
    }
  }

  try {
    const v1 = me.account.platform === 'V1';
    const d = await loadDashboard(listVars(state), v1);
    if (!ctx.alive()) return;
    session.setUser(d.me);
    showList(d.clients);
    view.showSide(d);
    if (v1) view.showV1(d.legacyConnection);
  } catch (err) {
    if (ctx.alive()) view.listError.show(err);
    return;
  }
  followLive(ctx, { replace: (c) => view.table.replace(c, true), refresh, refreshSide });
}
