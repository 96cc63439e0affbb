// The frames pages draw in: signed-in pages get the top bar and the side navigation,
// signed-out pages a centred card.

import { gql, session, isAdmin } from './api.js';
import { h } from './dom.js';

const brand = () => h('a', { class: 'brand', href: '/' }, h('img', { src: '/web/favicon.svg', alt: '', width: '24', height: '24' }), 'Partner Dashboard');

// Ends the sessions of this tab (the client one too), then goes to the log-in page.
async function logOut(navigate) {
  const calls = [];
  // A client session this tab does not remember may still be in its cookie: end both.
  calls.push(gql('mutation { logOut }', {}, { auth: 'client', quiet: true }).catch(() => {}));
  calls.push(gql('mutation { logOut }', {}, { quiet: true }).catch(() => {}));
  await Promise.all(calls);
  session.clear();
  navigate('/login', { replace: true, message: 'You are logged out.' });
}

// The side navigation's [key, href, text] for `user`.
function navLinks(user) {
  const acc = user ? user.account : null;
  const links = [];
  if (!acc || acc.kind !== 'PARTNER') return links;
  if (isAdmin(user)) links.push(['clients', '/', 'Clients']);
  links.push(['team', '/team', 'Team']);
  if (user.role === 'OWNER') links.push(['audit', '/audit', 'Audit log']);
  if (acc.platform === 'V1') links.push(['connect', '/connect', 'Partner Connect'], ['upgrade', '/upgrade', 'Upgrade']);
  if (session.inClient()) {
    const row = session.clientRow();
    links.push(['client', '/client', `Client: ${(row && (row.name || row.email)) || 'account'}`]);
  }
  return links;
}

function topBar(user, navigate) {
  const acc = user ? user.account : null;
  return h(
    'header',
    { class: 'topbar' },
    brand(),
    h(
      'div',
      { class: 'who' },
      acc ? h('span', { class: 'acct' }, h('strong', null, acc.name), ' ', h('span', { class: 'cid', title: 'Company ID' }, acc.companyId)) : null,
      user ? h('span', { class: 'muted who-user' }, user.email) : null,
      user ? h('a', { href: '/security', class: 'btn ghost' }, 'Security') : null,
      h('button', { type: 'button', class: 'btn ghost', onclick: (e) => { e.currentTarget.disabled = true; logOut(navigate); } }, 'Log out'),
    ),
  );
}

// Draws the frame of a signed-in page into `root`; returns its <main>. `nav`: the key
// of the current page's link; `banner`: shown under the top bar.
export function shell(root, navigate, { nav, user = session.user(), banner = null } = {}) {
  const links = navLinks(user);
  const main = h('main', { id: 'main', class: 'content', tabindex: '-1' });
  // The top bar and the banner stay in view together while the page scrolls.
  const layout = [h('div', { class: 'masthead' }, topBar(user, navigate), banner)];
  if (links.length) {
    const side = h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Main' },
      h('ul', null, links.map(([key, href, text]) => h('li', null, h('a', { href, 'aria-current': key === nav ? 'page' : null }, text)))),
    );
    layout.push(h('div', { class: 'body' }, side, main));
  } else layout.push(h('div', { class: 'body single' }, main));
  root.append(...layout);
  return main;
}

// Draws the frame of a signed-out page into `root`: a centred card; returns its <main>.
export function plain(root) {
  const main = h('main', { id: 'main', class: 'auth-card', tabindex: '-1' });
  root.append(h('header', { class: 'topbar' }, brand()), h('div', { class: 'auth-wrap' }, main));
  return main;
}
