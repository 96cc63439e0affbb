// A data table as every page shows one: a caption for screen readers, column headers,
// and a box that scrolls sideways when the table is wider than the page. On a phone
// (app.css) each row is stacked as a card, every value beside its column's name, which
// each cell carries as `data-label`.

import { h } from '../dom.js';

// Gives each cell of the rows in `body` its column's name (kept up as rows come and go).
function labelCells(body, columns) {
  const label = () => {
    for (const tr of body.rows) {
      [...tr.cells].forEach((td, i) => {
        if (!td.dataset.label) td.dataset.label = td.colSpan > 1 ? '' : columns[i] || '';
      });
    }
  };
  label();
  new MutationObserver(label).observe(body, { childList: true });
}

// <table class id><caption>…</caption><thead>columns</thead>body</table>
export function grid({ caption, columns, body, className = 'grid', id = null }) {
  labelCells(body, columns);
  return h(
    'table',
    { class: className, id },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

// The box a table scrolls in. While the table is wider than it, the box can take the
// keyboard focus (so it can be scrolled with the arrow keys) and is named after the table.
export function scrolling(table) {
  const box = h('div', { class: 'table-wrap' }, table);
  const fit = () => {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.tabIndex = 0;
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', table.caption ? table.caption.textContent : 'Table');
    } else if (box.hasAttribute('tabindex')) {
      box.removeAttribute('tabindex');
      box.removeAttribute('role');
      box.removeAttribute('aria-label');
    }
  };
  const watch = new ResizeObserver(fit);
  watch.observe(box);
  watch.observe(table);
  return box;
}

// A table in its box.
export function table(opts) {
  return scrolling(grid(opts));
}

// A row that says the table is on its way, in place of its rows.
export const loadingRow = (columns, text = 'Loading…') => h('tr', { class: 'loading' }, h('td', { colspan: String(columns), class: 'empty' }, text));

// A name over an email (the email alone when there is no name): a client or a user in
// a table cell.
export function nameAndEmail(name, email) {
  return [name ? h('div', { class: 'name' }, name) : null, h('div', { class: name ? 'sub' : 'name' }, email)];
}
