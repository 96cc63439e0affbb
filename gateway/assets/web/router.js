// Navigation without reloading: which page a path shows, the context a page is drawn
// with, and what ends when the next page starts. Knows no page: the route table is
// given to `router` (routes.js).

import { session } from './api.js';
import { h } from './dom.js';
import { shell, plain } from './shell.js';

function notFound(ctx) {
  const main = ctx.plain();
  main.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', null, h('a', { href: '/' }, 'Go to the dashboard')));
}

// Where a sign-in leads: the `next` of the log-in page when it is a path of this app,
// else the person's home.
function afterSignIn(kind) {
  const next = location.pathname === '/login' ? new URLSearchParams(location.search).get('next') : null;
  const safe = next && /^\/[^/\\]/.test(next) && !next.startsWith('/login') ? next : null;
  return safe || (kind === 'CLIENT' ? '/client' : '/');
}

// Ends a page: its timers, sockets and open dialogs.
function dispose(page) {
  if (page) {
    page.alive = false;
    page.disposers.forEach((fn) => {
      try {
        fn();
      } catch {
        /* ignore */
      }
    });
  }
  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
}

// Focus and title once the page's heading exists.
function afterRender(root, page, focus) {
  if (!page.alive) return;
  const h1 = root.querySelector('h1');
  if (!h1) return;
  document.title = `${h1.textContent} · Partner Dashboard`;
  if (focus && !page.focused) {
    page.focused = true;
    if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  }
}

function failed(root, err) {
  root.replaceChildren();
  const main = plain(root);
  main.append(h('h1', { tabindex: '-1' }, 'Something went wrong'), h('p', null, err && err.message ? err.message : String(err)), h('p', null, h('a', { href: '/' }, 'Reload the dashboard')));
}

// The router of the app drawn in `root`, over `routes` ([RegExp, page(ctx)]): returns
// `navigate(path, {replace, message})` and `render(focus)` (draws the current address).
export function router(root, routes) {
  let current = null; // { disposers: [], alive: bool, focused: bool }
  let notice = null; // a message for the next page (e.g. "your session ended")

  function navigate(path, { replace = false, message = null } = {}) {
    if (message) notice = message;
    if (replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    render(true);
  }

  // What a page gets: where it is, how to leave, its frame, and its lifetime.
  function context(page, path) {
    const shown = notice;
    notice = null;
    const ctx = {
      path,
      params: [],
      query: new URLSearchParams(location.search),
      navigate,
      alive: () => page.alive,
      onDispose: (fn) => page.disposers.push(fn),
      redirect: (to) => navigate(to === '/login' && path !== '/' ? `/login?next=${encodeURIComponent(path + location.search)}` : to, { replace: true }),
      shell: (opts) => shell(root, navigate, opts),
      plain: () => plain(root),
      notice: shown,
      showNotice: (main) => {
        if (shown) main.prepend(h('div', { class: 'alert info', role: 'status' }, shown));
      },
      // After any sign-in: remember the session and go where this user belongs.
      signedIn: (authPayload, message) => {
        session.signIn(authPayload);
        navigate(afterSignIn(authPayload.user.account.kind), { message });
      },
    };
    return ctx;
  }

  function render(focus) {
    dispose(current);
    root.replaceChildren();
    const path = location.pathname.replace(/\/+$/, '') || '/';
    const page = { disposers: [], alive: true };
    current = page;
    const ctx = context(page, path);
    let handler = notFound;
    for (const [re, fn] of routes) {
      const m = path.match(re);
      if (m) {
        ctx.params = m.slice(1).map(decodeURIComponent);
        handler = fn;
        break;
      }
    }
    Promise.resolve(handler(ctx)).then(
      () => afterRender(root, page, focus),
      (err) => {
        if (page.alive) failed(root, err);
      },
    );
    afterRender(root, page, focus);
  }

  return { navigate, render };
}
