// "1–20 of 57" with Previous and Next under a paged table, and how many rows a page has.

import { h, field, select } from '../dom.js';

// `onTurn(-1 | 1)` when a button is pressed; with `sizes`, `onSize(n)` when another page
// size is chosen (`size` the one shown first); `show(text, hasPrevious, hasNext)`.
export function pager(onTurn, { sizes: choices, size, onSize } = {}) {
  const range = h('p', { class: 'muted range', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => onTurn(-1) }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => onTurn(1) }, 'Next');
  const sizes = choices ? select(choices.map((n) => [String(n), String(n)]), { class: 'inline', onchange: (e) => onSize(Number(e.currentTarget.value)) }) : null;
  let sizeField = null;
  if (sizes) {
    sizes.value = String(size);
    sizeField = field('Rows per page', sizes);
    sizeField.classList.add('inline-field');
  }
  return {
    el: h('div', { class: 'pager' }, range, h('div', { class: 'actions' }, sizeField, prev, next)),
    show(text, hasPrevious, hasNext) {
      range.textContent = text;
      prev.disabled = !hasPrevious;
      next.disabled = !hasNext;
    },
  };
}
