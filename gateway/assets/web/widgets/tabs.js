// A tab list with roving focus: arrows move between tabs, Enter/Space or focus selects.
// The client list's status tabs and the invite dialog's methods.

import { h, uid } from '../dom.js';

// `items`: [key, content]; `onSelect(key, button)` when a person picks one;
// `controls(key)`: the id of what the tab shows. The list has `buttons` and
// `select(key)` (marks a tab without firing).
export function tablist(label, items, selected, onSelect, { controls } = {}) {
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': label });
  const buttons = items.map(([key, content], i) => {
    const b = h('button', { type: 'button', role: 'tab', id: uid('tab'), 'aria-controls': controls ? controls(key) : null, onclick: () => choose(i, true) }, content);
    b.dataset.key = key == null ? '' : key;
    return b;
  });
  const indexOf = (key) => Math.max(0, items.findIndex(([k]) => k === key));
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
    const j = step(ev.key, i, buttons.length);
    if (j == null) return;
    ev.preventDefault();
    buttons[j].focus();
    choose(j, true);
  });
  list.append(...buttons);
  mark(indexOf(selected));
  list.buttons = buttons;
  list.select = (key) => mark(indexOf(key));
  return list;
}

// The tab a key moves to from tab `i` of `n`, or null.
function step(key, i, n) {
  if (key === 'ArrowRight') return (i + 1) % n;
  if (key === 'ArrowLeft') return (i - 1 + n) % n;
  if (key === 'Home') return 0;
  if (key === 'End') return n - 1;
  return null;
}
