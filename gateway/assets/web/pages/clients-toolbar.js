// Above the client list: the status tabs with their counts, the search and the sort.

import { h, field, select } from '../dom.js';
import { tablist } from '../widgets/tabs.js';
import { SORTS } from './clients-state.js';

// [status, label, its count in clientStatusCounts]
const TABS = [
  [null, 'All', 'total'],
  ['INVITED', 'Invited', 'invited'],
  ['TRIAL', 'Trial', 'trial'],
  ['TRIAL_EXPIRED', 'Trial Expired', 'trialExpired'],
  ['PAYING', 'Paying', 'paying'],
];

// Starts as `state` says; `onChange(patch)` with {status}, {search} or {sort} when a
// person changes one. `tableId`: the list the tabs control.
export function clientsToolbar(state, { tableId, onChange }) {
  const tabLabel = (label) => [h('span', null, label), h('span', { class: 'count' }, '–')];
  const tabs = tablist('Client status', TABS.map(([k, label]) => [k, tabLabel(label)]), state.status, (status) => onChange({ status }), { controls: () => tableId });
  const searchInput = h('input', { type: 'search', name: 'q', value: state.search, autocomplete: 'off', placeholder: 'Name or email' });
  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      if (searchInput.value.trim() === state.search) return;
      onChange({ search: searchInput.value.trim() });
    }, 350);
  });
  const submit = (ev) => {
    ev.preventDefault();
    clearTimeout(searchTimer);
    onChange({ search: searchInput.value.trim() });
  };
  const searchForm = h('form', { class: 'search', role: 'search', onsubmit: submit }, field('Search', searchInput));
  const sortSelect = select(SORTS, { name: 'sort', onchange: () => onChange({ sort: sortSelect.value }) });
  sortSelect.value = state.sort;
  return {
    el: h('div', { class: 'toolbar' }, tabs, h('div', { class: 'filters' }, searchForm, field('Sort by', sortSelect))),
    searchInput,
    // clientStatusCounts on the tabs.
    counts(c) {
      tabs.buttons.forEach((b, i) => {
        b.querySelector('.count').textContent = String(c[TABS[i][2]]);
      });
    },
    // The tab and sort `state` has now (changed by the page, not a person).
    sync() {
      sortSelect.value = state.sort;
      tabs.select(state.status);
    },
    dispose: () => clearTimeout(searchTimer),
  };
}
