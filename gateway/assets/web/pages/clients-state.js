// What the client list shows, apart from how it is drawn: the status tab, the search,
// the sort and the page. Read from the address, written back to it, and turned into
// the list query's variables and the export's parameters.

import { STATUS } from '../dom.js';

// The page sizes a person may choose, the first the default.
export const PAGE_SIZES = [20, 50, 100];
export const PAGE_SIZE = PAGE_SIZES[0];
// The page size a person chose last time, in this browser.
const SIZE_KEY = 'pd.pageSize';
export const DEFAULT_SORT = 'NAME.ASC';
export const SORTS = [
  ['NAME.ASC', 'Name (A–Z)'],
  ['NAME.DESC', 'Name (Z–A)'],
  ['STATUS.ASC', 'Status'],
  ['INVITED_AT.DESC', 'Newest first'],
  ['INVITED_AT.ASC', 'Oldest first'],
  ['TRIAL_ENDS_AT.ASC', 'Trial ends soonest'],
];

function pageSize(query) {
  let stored = null;
  try {
    stored = localStorage.getItem(SIZE_KEY);
  } catch {
    /* storage off: the default */
  }
  const n = Number(query.get('per') || stored);
  return PAGE_SIZES.includes(n) ? n : PAGE_SIZE;
}

// A page size a person chose: remembered for their next visit.
export function rememberSize(n) {
  try {
    localStorage.setItem(SIZE_KEY, String(n));
  } catch {
    /* storage off: this visit only */
  }
}

// The list as the address `?status=…&q=…&sort=…&per=…` asks for it, on its first page.
export function listState(query) {
  return {
    size: pageSize(query),
    status: STATUS[query.get('status')] ? query.get('status') : null,
    search: query.get('q') || '',
    sort: SORTS.some(([k]) => k === query.get('sort')) ? query.get('sort') : DEFAULT_SORT,
    cursor: {}, // {after} or {before}
    offset: 0, // of the page's first row
    pageInfo: null,
    count: 0,
    shown: 0, // rows on the page
  };
}

// A new tab, search, sort or page size ({status}, {search}, {sort}, {size}): back to
// the first page.
export function change(state, patch) {
  Object.assign(state, patch);
  state.cursor = {};
  state.offset = 0;
}

// "See all" trials ending soon.
export const TRIALS_SOONEST = { status: 'TRIAL', sort: 'TRIAL_ENDS_AT.ASC' };

export function listVars(state) {
  const [field, direction] = state.sort.split('.');
  const v = { status: state.status, search: state.search || null, orderBy: { field, direction } };
  if (state.cursor.before) Object.assign(v, { last: state.size, before: state.cursor.before });
  else Object.assign(v, { first: state.size, after: state.cursor.after || null });
  return v;
}

// The address's query for the list (`?…`, or '' for the defaults).
export function addressQuery(state) {
  const p = new URLSearchParams();
  if (state.status) p.set('status', state.status);
  if (state.search) p.set('q', state.search);
  if (state.sort !== DEFAULT_SORT) p.set('sort', state.sort);
  if (state.size !== PAGE_SIZE) p.set('per', String(state.size));
  const s = p.toString();
  return s ? `?${s}` : '';
}

// The CSV export's parameters: the tab and search of the list, every page.
export function exportParams(state) {
  const p = new URLSearchParams();
  if (state.status) p.set('status', state.status);
  if (state.search) p.set('search', state.search);
  return p;
}

export const filtered = (state) => Boolean(state.search || state.status);

// A page of the list (a ClientConnection) arrived.
export function showing(state, conn) {
  state.pageInfo = conn.pageInfo;
  state.count = conn.totalCount;
  if (!conn.pageInfo.hasPreviousPage) state.offset = 0;
  state.shown = conn.edges.length;
}

// "21–40 of 57".
export function rangeText(state) {
  const n = state.shown;
  return n ? `${state.offset + 1}–${state.offset + n} of ${state.count}` : `0 of ${state.count}`;
}

// To the next (1) or previous (-1) page; false before any page arrived.
export function turn(state, dir) {
  const pi = state.pageInfo;
  if (!pi) return false;
  if (dir > 0) {
    state.offset += state.shown || 0;
    state.cursor = { after: pi.endCursor };
  } else {
    state.offset = Math.max(0, state.offset - state.size);
    state.cursor = { before: pi.startCursor };
  }
  return true;
}
