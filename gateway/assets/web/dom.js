// DOM helpers. Everything from the API goes in as text (textContent / text nodes),
// never as HTML.

import { errorText } from './api.js';

const PROPS = new Set(['hidden', 'disabled', 'checked', 'required', 'selected', 'readOnly', 'multiple', 'value', 'open', 'indeterminate']);
let seq = 0;
export const uid = (p = 'f') => `${p}${++seq}`;

// h('button', {class: 'btn', onclick: fn}, 'Text', child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) {
        if (PROPS.has(k) && v === false) el[k] = false;
        continue;
      }
      if (k === 'class') el.className = v;
      else if (k === 'for') el.htmlFor = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (PROPS.has(k)) el[k] = v;
      else if (k === 'style') throw new Error('no inline styles (CSP)');
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function put(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// A labelled control: <div class="field"><label for>…</label><input id>…<p hint></div>
export function field(label, control, hint) {
  const id = control.id || (control.id = uid());
  const parts = [h('label', { for: id }, label)];
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    parts.push(control, h('p', { class: 'hint', id: hid }, hint));
  } else parts.push(control);
  return h('div', { class: 'field' }, parts);
}

export function checkbox(label, props) {
  const box = h('input', { type: 'checkbox', id: uid(), ...props });
  return h('div', { class: 'field check' }, box, h('label', { for: box.id }, label));
}

export function select(options, props) {
  return h('select', props, options.map(([value, text]) => h('option', { value }, text)));
}

// An alert area for a form's error; show(err) / show(null).
export function alertBox() {
  const el = h('div', { class: 'alert error', role: 'alert', hidden: true });
  el.show = (err) => {
    if (!err) {
      el.hidden = true;
      el.textContent = '';
      return;
    }
    el.textContent = typeof err === 'string' ? err : errorText(err);
    el.hidden = false;
  };
  return el;
}

// Runs an async action with the button disabled and marked busy; while it runs the
// button says `label` (its `data-busy`, e.g. "Sending…") when it has one.
export async function busy(button, fn, label = button.dataset.busy) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  const shown = label ? [...button.childNodes] : null;
  if (label) button.replaceChildren(label);
  try {
    return await fn();
  } finally {
    if (shown) button.replaceChildren(...shown);
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A form whose submit runs `onSubmit(form)`; errors land in its alert box.
export function form(props, children, onSubmit) {
  const alert = alertBox();
  const el = h('form', props, alert, children);
  el.alert = alert;
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = el.querySelector('button[type=submit]');
    alert.show(null);
    try {
      if (button) await busy(button, () => onSubmit(el));
      else await onSubmit(el);
    } catch (err) {
      alert.show(err);
    }
  });
  return el;
}

// While a modal dialog is open the rest of the page is inert and under its backdrop:
// toasts then show (and are announced) from inside the dialog, and go back when it closes.
function toastsBox() {
  const box = document.getElementById('toasts');
  const home = document.querySelector('dialog:modal') || document.body;
  if (box.parentElement !== home) home.append(box);
  return box;
}
document.addEventListener(
  'close',
  (ev) => {
    const box = document.getElementById('toasts');
    if (box && box.parentElement === ev.target) document.body.append(box);
  },
  true,
);

// What a person last clicked: a toast it caused must not cover it (see `keepInView`).
let lastClicked = null;
document.addEventListener('click', (ev) => {
  lastClicked = ev.target instanceof Element ? ev.target : null;
}, true);

// The toasts sit at the end of the page, pinned to the bottom of the window while it is
// scrolled (app.css: sticky), so scrolled down they never cover the last rows. The row
// (or control) the person just used is moved up out from under them at once.
function keepInView(box) {
  const used = document.activeElement && document.activeElement !== document.body ? document.activeElement : lastClicked;
  if (!used || !used.isConnected || !box.firstElementChild) return;
  const target = used.closest('tr, .card, form, .actions') || used;
  const under = target.getBoundingClientRect().bottom - box.getBoundingClientRect().top;
  if (under > 0) (box.parentElement === document.body ? window : box.parentElement).scrollBy(0, under + 8);
}

function dismiss(t) {
  const hadFocus = t.contains(document.activeElement);
  t.remove();
  if (hadFocus) {
    const main = document.getElementById('main');
    if (main) main.focus();
  }
}

// A short message at the bottom of the window. 'ok' ones go after 4.5 s and are read
// out politely; errors stay until dismissed and are read out at once (role=alert).
export function toast(message, kind = 'ok') {
  const box = toastsBox();
  const error = kind === 'error';
  const t = h('div', { class: `toast ${kind}` }, h('p', null, message));
  if (error) t.append(h('button', { type: 'button', class: 'toast-close', onclick: () => dismiss(t) }, h('span', { class: 'visually-hidden' }, 'Dismiss this message')));
  box.querySelector(error ? '.toasts-alert' : '.toasts-status').append(t);
  const all = box.querySelectorAll('.toast');
  for (let i = 0; i < all.length - 4; i++) all[i].remove();
  if (!error) setTimeout(() => t.remove(), 4500);
  keepInView(box);
}

export function toastError(err) {
  toast(errorText(err), 'error');
}

// ---- formatting ----

export const STATUS = { INVITED: 'Invited', TRIAL: 'Trial', TRIAL_EXPIRED: 'Trial Expired', PAYING: 'Paying' };

export function badge(status) {
  return h('span', { class: `badge s-${status.toLowerCase().replace('_', '-')}` }, STATUS[status] || status);
}

export const ROLE = { OWNER: 'Owner', ADMIN: 'Admin', MANAGER: 'Manager', EMPLOYEE: 'Employee' };

const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function relative(iso) {
  const diff = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const [n, unit] =
    abs < 60 ? [diff, 'second'] : abs < 3600 ? [diff / 60, 'minute'] : abs < 86400 ? [diff / 3600, 'hour'] : abs < 86400 * 60 ? [diff / 86400, 'day'] : [diff / (86400 * 30), 'month'];
  return relFmt.format(Math.round(n), unit);
}

// <time> with the date as text and the exact instant as its title.
export function when(iso, { withTime = false, rel = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  const text = rel ? relative(iso) : withTime ? fullFmt.format(d) : dateFmt.format(d);
  return h('time', { datetime: iso, title: fullFmt.format(d) }, text);
}

export const fmtDateTime = (iso) => (iso ? fullFmt.format(new Date(iso)) : '');
