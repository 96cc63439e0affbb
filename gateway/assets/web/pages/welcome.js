// The welcome after signing up or accepting an invite: shown at the top of the person's
// home page (the client list, or the client account) until they dismiss it, which this
// browser remembers (localStorage, per user).

import { h } from '../dom.js';

const key = (user) => `pd.welcome.${user.id}`;

function stored(user) {
  try {
    return user ? localStorage.getItem(key(user)) : null;
  } catch {
    return null;
  }
}

function forget(user) {
  try {
    localStorage.removeItem(key(user));
  } catch {
    /* storage off: it goes with this page */
  }
}

// After the sign-up of `user`: `text` greets them until they dismiss it.
export function rememberWelcome(user, text) {
  try {
    localStorage.setItem(key(user), text);
  } catch {
    /* storage off: no welcome */
  }
}

// The welcome for `user` with its Dismiss button, or null once dismissed.
export function welcomeBanner(user) {
  const text = stored(user);
  if (!text) return null;
  const el = h('section', { class: 'alert info welcome', 'aria-label': 'Welcome' }, h('p', null, text));
  const dismiss = () => {
    forget(user);
    const main = el.closest('main');
    el.remove();
    if (main) main.focus();
  };
  el.append(h('button', { type: 'button', class: 'btn small', onclick: dismiss }, 'Dismiss', h('span', { class: 'visually-hidden' }, ' the welcome message')));
  return el;
}
