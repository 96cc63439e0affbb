// A data table as every page shows one: a caption for screen readers, column headers,
// and a box that scrolls sideways when the table is wider than the page.

import { h } from '../dom.js';

// <table class id><caption>…</caption><thead>columns</thead>body</table>
export function grid({ caption, columns, body, className = 'grid', id = null }) {
  return h(
    'table',
    { class: className, id },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, columns.map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
}

// The box a table scrolls in.
export function scrolling(table) {
  return h('div', { class: 'table-wrap' }, table);
}

// A table in its box.
export function table(opts) {
  return scrolling(grid(opts));
}

// A name over an email (the email alone when there is no name): a client or a user in
// a table cell.
export function nameAndEmail(name, email) {
  return [name ? h('div', { class: 'name' }, name) : null, h('div', { class: name ? 'sub' : 'name' }, email)];
}
