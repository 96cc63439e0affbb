// The client list's table: draws a page of rows, keeps the rows that did not change
// (and the focus in them), and swaps one row when the client changes.

import { h } from '../dom.js';
import { grid, loadingRow } from '../widgets/table.js';
import { COLUMNS, clientRow } from './clients-row.js';

// `actions`: clients-row.js `rowActions`; `focusElsewhere()`: where focus goes when the
// row it was in lost its buttons.
export function clientsTable(id, { actions, focusElsewhere }) {
  const rows = new Map(); // id -> <tr>
  const tbody = h('tbody', null, loadingRow(COLUMNS.length, 'Loading clients…'));
  const el = grid({ caption: 'Your clients', columns: COLUMNS, body: tbody, className: 'grid clients', id });
  el.tabIndex = -1; // where "Next" and "Previous" take the focus

  // A page of the list (its ClientConnection); `filtered`: a tab or search is on.
  function show(conn, filtered) {
    const before = new Map(rows);
    rows.clear();
    const trs = conn.edges.map(({ node }) => {
      const old = before.get(node.id);
      const tr = old && old.pdJson === JSON.stringify(node) ? old : clientRow(node, actions);
      rows.set(node.id, tr);
      return tr;
    });
    if (!trs.length) {
      const msg = filtered ? 'No clients match.' : 'No clients yet. Use “Invite clients” to add your first.';
      trs.push(h('tr', null, h('td', { colspan: String(COLUMNS.length), class: 'empty' }, msg)));
    }
    const same = trs.length === tbody.children.length && trs.every((tr, i) => tbody.children[i] === tr);
    if (!same) tbody.replaceChildren(...trs);
    el.removeAttribute('aria-busy');
  }

  // Client `c` changed: its row is drawn again (`flash`: marked as changed); false
  // when it is not on this page.
  function replace(c, flash = false) {
    const old = rows.get(c.id);
    if (!old) return false;
    const tr = clientRow(c, actions);
    if (flash) tr.classList.add('flash');
    // Keep keyboard focus on the same action when the row under it is replaced.
    const focused = old.contains(document.activeElement) ? document.activeElement.textContent : null;
    old.replaceWith(tr);
    rows.set(c.id, tr);
    if (focused) {
      const same = [...tr.querySelectorAll('button')].find((b) => b.textContent === focused);
      (same || tr.querySelector('button') || focusElsewhere()).focus();
    }
    return true;
  }

  // A new page is on show: the person is taken to its top, the focus on the table.
  function toTop() {
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'start' });
  }

  return {
    el,
    show,
    replace,
    toTop,
    loading: () => el.setAttribute('aria-busy', 'true'),
    failed: () => el.removeAttribute('aria-busy'),
  };
}
