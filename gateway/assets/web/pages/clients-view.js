// The client list page as drawn: its head and buttons, the V1 banner, the cards, the
// toolbar, the table and its pager, and the invite dialog. It draws what the page
// (clients.js) gives it and tells the page what a person did; the list's state is the
// page's.

import { session } from '../api.js';
import { h, busy, alertBox, uid } from '../dom.js';
import { scrolling } from '../widgets/table.js';
import { pager } from '../widgets/pager.js';
import { inviteDialog } from './invite-dialog.js';
import { exportCsv } from './clients-export.js';
import { sideCards } from './clients-cards.js';
import { clientsToolbar } from './clients-toolbar.js';
import { clientsTable } from './clients-table.js';
import { PAGE_SIZES } from './clients-state.js';
import { welcomeBanner } from './welcome.js';

function v1Notice(el, lc) {
  if (lc && lc.status === 'CONNECTED') return;
  el.replaceChildren('This is a V1 partner account. ', h('a', { href: '/connect' }, lc ? `Partner Connect: ${lc.status.toLowerCase()}` : 'Connect it to your V2 partner dashboard'), ' to upgrade your clients.');
  el.hidden = false;
}

// `on`: changed(patch) for the toolbar and the page size, turn(dir) for the pager,
// invited() after the dialog added clients, seeSoon() for the soon card's button,
// actions for the rows.
export function clientsView(ctx, state, on) {
  const main = ctx.shell({ nav: 'clients' });
  const dialog = inviteDialog({ onChange: on.invited });
  const inviteBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => dialog.open() }, 'Invite clients');
  const exportBtn = h('button', { type: 'button', class: 'btn', onclick: (e) => busy(e.currentTarget, () => exportCsv(state)) }, 'Download CSV');
  main.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Clients'), h('div', { class: 'actions' }, exportBtn, inviteBtn)));
  ctx.showNotice(main);
  const welcome = welcomeBanner(session.user());
  if (welcome) main.append(welcome);
  const v1Banner = h('div', { class: 'alert info', hidden: true });
  const cards = sideCards(on.seeSoon);
  main.append(v1Banner, cards.el);

  const tableId = uid('clients');
  const toolbar = clientsToolbar(state, { tableId, onChange: on.changed });
  ctx.onDispose(toolbar.dispose);
  main.append(toolbar.el);
  const listError = alertBox();
  const table = clientsTable(tableId, { actions: on.actions, focusElsewhere: () => toolbar.searchInput });
  const pages = pager(on.turn, { sizes: PAGE_SIZES, size: state.size, onSize: (size) => on.changed({ size }) });
  main.append(listError, scrolling(table.el), pages.el);
  main.append(dialog.el);
  return {
    table,
    toolbar,
    listError,
    // The list's page (`rangeText` of its state) arrived.
    showList(conn, filtered, range) {
      table.show(conn, filtered);
      pages.show(range, conn.pageInfo.hasPreviousPage, conn.pageInfo.hasNextPage);
    },
    // The side query's answer: tab counts and cards.
    showSide(side) {
      toolbar.counts(side.clientStatusCounts);
      cards.show(side);
    },
    // A V1 account's Partner Connect status (its legacyConnection).
    showV1: (lc) => v1Notice(v1Banner, lc),
  };
}
