// Router, page shell and bootstrapping.

import { gql, session, whenSessionEnds } from './api.js';
import { h, toast } from './dom.js';
import * as auth from './pages-auth.js';
import * as partner from './pages-partner.js';
import * as account from './pages-account.js';

const app = document.getElementById('app');
let current = null; // { disposers: [], alive: bool }
let notice = null; // a message for the next page (e.g. "your session ended")

export function navigate(path, { replace = false, message = null } = {}) {
  if (message) notice = message;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render(true);
}

const routes = [
  [/^\/$/, home],
  [/^\/clients$/, home],
  [/^\/login$/, auth.login],
  [/^\/signup$/, auth.signup],
  [/^\/forgot-password$/, auth.forgot],
  [/^\/invite\/([^/]+)$/, auth.acceptInvite],
  [/^\/join\/([^/]+)$/, auth.join],
  [/^\/reset-password\/([^/]+)$/, auth.resetPassword],
  [/^\/client$/, clientAccount],
  [/^\/team$/, partnerOnly(account.team)],
  [/^\/audit$/, partnerOnly(partner.audit)],
  [/^\/connect$/, partnerOnly(partner.connect)],
  [/^\/upgrade$/, partnerOnly(partner.upgrade)],
];

function home(ctx) {
  const user = session.user();
  if (!session.token() || !user) return ctx.redirect('/login');
  if (user.account.kind === 'CLIENT') return ctx.redirect('/client');
  if (user.account.kind === 'STAFF') return staff(ctx);
  return partner.dashboard(ctx);
}

function partnerOnly(page) {
  return (ctx) => {
    const user = session.user();
    if (!session.token() || !user) return ctx.redirect('/login');
    if (user.account.kind !== 'PARTNER') return ctx.redirect('/');
    return page(ctx);
  };
}

function clientAccount(ctx) {
  const user = session.user();
  if (!session.token() || !user) return ctx.redirect('/login');
  if (session.clientToken()) return account.clientView(ctx, { asPartner: true });
  if (user.account.kind === 'CLIENT') return account.clientView(ctx, { asPartner: false });
  return ctx.redirect('/');
}

function staff(ctx) {
  const main = ctx.shell({ nav: null });
  main.append(
    h('h1', { tabindex: '-1' }, 'Support staff'),
    h('p', null, 'Support staff work in the GraphiQL explorer, where every read states a reason and lands in the account’s audit log.'),
    h('p', null, h('a', { href: '/graphiql', 'data-native': '' }, 'Open GraphiQL')),
  );
}

function notFound(ctx) {
  const main = ctx.plain();
  main.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', null, h('a', { href: '/' }, 'Go to the dashboard')));
}

// ---- the shell of signed-in pages: top bar and side navigation ----

async function logOut() {
  const calls = [];
  if (session.clientToken()) calls.push(gql('mutation { logOut }', {}, { auth: 'client' }).catch(() => {}));
  if (session.token()) calls.push(gql('mutation { logOut }', {}).catch(() => {}));
  await Promise.all(calls);
  session.clear();
  navigate('/login', { replace: true, message: 'You are logged out.' });
}

function shell(ctx, { nav, user = session.user(), banner = null } = {}) {
  const acc = user ? user.account : null;
  const links = [];
  if (acc && acc.kind === 'PARTNER') {
    const isAdmin = user.role === 'OWNER' || user.role === 'ADMIN';
    if (isAdmin) links.push(['clients', '/', 'Clients']);
    links.push(['team', '/team', 'Team']);
    if (user.role === 'OWNER') links.push(['audit', '/audit', 'Audit log']);
    if (acc.platform === 'V1') links.push(['connect', '/connect', 'Partner Connect'], ['upgrade', '/upgrade', 'Upgrade']);
    if (session.clientToken()) {
      const row = session.clientRow();
      links.push(['client', '/client', `Client: ${(row && (row.name || row.email)) || 'account'}`]);
    }
  }
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  const top = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '/' }, h('img', { src: '/web/favicon.svg', alt: '', width: '24', height: '24' }), 'Partner Dashboard'),
    h(
      'div',
      { class: 'who' },
      acc ? h('span', { class: 'acct' }, h('strong', null, acc.name), ' ', h('span', { class: 'cid', title: 'Company ID' }, acc.companyId)) : null,
      user ? h('span', { class: 'muted who-user' }, user.email) : null,
      h('button', { type: 'button', class: 'btn ghost', onclick: (e) => { e.currentTarget.disabled = true; logOut(); } }, 'Log out'),
    ),
  );
  const layout = [top];
  if (banner) layout.push(banner);
  if (links.length) {
    const side = h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Main' },
      h('ul', null, links.map(([key, href, text]) => h('li', null, h('a', { href, 'aria-current': key === nav ? 'page' : null }, text)))),
    );
    layout.push(h('div', { class: 'body' }, side, main));
  } else layout.push(h('div', { class: 'body single' }, main));
  app.append(...layout);
  return main;
}

// The frame of signed-out pages: a centred card.
function plain() {
  const main = h('main', { id: 'main', class: 'auth-card', tabindex: '-1' });
  app.append(
    h('header', { class: 'topbar' }, h('a', { class: 'brand', href: '/' }, h('img', { src: '/web/favicon.svg', alt: '', width: '24', height: '24' }), 'Partner Dashboard')),
    h('div', { class: 'auth-wrap' }, main),
  );
  return main;
}

// ---- rendering ----

function render(focus) {
  if (current) {
    current.alive = false;
    current.disposers.forEach((fn) => {
      try {
        fn();
      } catch {
        /* ignore */
      }
    });
  }
  document.querySelectorAll('dialog[open]').forEach((d) => d.close());
  app.replaceChildren();
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = { disposers: [], alive: true };
  current = page;
  const ctx = {
    path,
    params: [],
    query: new URLSearchParams(location.search),
    navigate,
    alive: () => page.alive,
    onDispose: (fn) => page.disposers.push(fn),
    redirect: (to) => navigate(to === '/login' && path !== '/' ? `/login?next=${encodeURIComponent(path + location.search)}` : to, { replace: true }),
    shell: (opts) => shell(ctx, opts),
    plain,
    notice: notice,
  };
  notice = null;
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
    () => afterRender(page, focus),
    (err) => {
      if (!page.alive) return;
      app.replaceChildren();
      const main = plain();
      main.append(h('h1', { tabindex: '-1' }, 'Something went wrong'), h('p', null, err && err.message ? err.message : String(err)), h('p', null, h('a', { href: '/' }, 'Reload the dashboard')));
    },
  );
  // Focus and title once the page's heading exists.
  afterRender(page, focus);
}

function afterRender(page, focus) {
  if (!page.alive) return;
  const h1 = app.querySelector('h1');
  if (h1) {
    document.title = `${h1.textContent} · Partner Dashboard`;
    if (focus && !page.focused) {
      page.focused = true;
      if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
  }
}

// Same-origin links navigate inside the app.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.hasAttribute('data-native')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/web/') || url.pathname.startsWith('/graphiql')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render(true));

whenSessionEnds((which) => {
  if (which === 'client') {
    session.clearClient();
    navigate('/', { replace: true, message: 'The client session ended (client sessions last one hour). You are back in your partner dashboard.' });
  } else {
    session.clear();
    navigate('/login', { replace: true, message: 'Your session ended. Please log in again.' });
  }
});

export function showNotice(ctx, main) {
  if (ctx.notice) main.prepend(h('div', { class: 'alert info', role: 'status' }, ctx.notice));
}

// After any sign-in: remember the session and go where this user belongs.
export function signedIn(authPayload, message) {
  session.signIn(authPayload);
  const kind = authPayload.user.account.kind;
  const next = location.pathname === '/login' ? new URLSearchParams(location.search).get('next') : null;
  const safe = next && /^\/[^/\\]/.test(next) && !next.startsWith('/login') ? next : null;
  navigate(safe || (kind === 'CLIENT' ? '/client' : '/'), { message });
}

window.addEventListener('unhandledrejection', (ev) => {
  // API errors are shown where they happen; do not let a stray one reach the console.
  if (ev.reason && ev.reason.code !== undefined) {
    ev.preventDefault();
    toast(ev.reason.message, 'error');
  }
});

render(false);
