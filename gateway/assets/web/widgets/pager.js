// "1–20 of 57" with Previous and Next, under a paged table.

import { h } from '../dom.js';

// `onTurn(-1 | 1)` when a button is pressed; `show(text, hasPrevious, hasNext)`.
export function pager(onTurn) {
  const range = h('p', { class: 'muted range', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => onTurn(-1) }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => onTurn(1) }, 'Next');
  return {
    el: h('div', { class: 'pager' }, range, h('div', { class: 'actions' }, prev, next)),
    show(text, hasPrevious, hasNext) {
      range.textContent = text;
      prev.disabled = !hasPrevious;
      next.disabled = !hasNext;
    },
  };
}
