// Which page each path shows, and who may see it. Every path here is also in
// `gateway/src/web.rs` (PAGES), which answers it with index.html.

import { session } from './api.js';
import { h } from './dom.js';
import * as auth from './pages/auth.js';
import * as links from './pages/links.js';
import { dashboard } from './pages/clients.js';
import { clientView } from './pages/client-account.js';
import { team } from './pages/team.js';
import { security } from './pages/security.js';
import { audit } from './pages/audit.js';
import { connect, upgrade } from './pages/v1.js';

const signedOut = () => !session.signedIn();

function staff(ctx) {
  const main = ctx.shell({ nav: null });
  main.append(
    h('h1', { tabindex: '-1' }, 'Support staff'),
    h('p', null, 'Support staff work in the GraphiQL explorer, where every read states a reason and lands in the account’s audit log.'),
    h('p', null, h('a', { href: '/graphiql', 'data-native': '' }, 'Open GraphiQL')),
  );
}

// `/`: the client list for a partner, the account for a client, GraphiQL for staff.
function home(ctx) {
  if (signedOut()) return ctx.redirect('/login');
  const kind = session.user().account.kind;
  if (kind === 'CLIENT') return ctx.redirect('/client');
  if (kind === 'STAFF') return staff(ctx);
  return dashboard(ctx);
}

function partnerOnly(page) {
  return (ctx) => {
    if (signedOut()) return ctx.redirect('/login');
    if (session.user().account.kind !== 'PARTNER') return ctx.redirect('/');
    return page(ctx);
  };
}

// `/client`: the client session a partner opened, or a client's own account.
function clientAccount(ctx) {
  if (signedOut()) return ctx.redirect('/login');
  if (session.inClient()) return clientView(ctx, { asPartner: true });
  if (session.user().account.kind === 'CLIENT') return clientView(ctx, { asPartner: false });
  return ctx.redirect('/');
}

export const routes = [
  [/^\/$/, home],
  [/^\/clients$/, home],
  [/^\/login$/, auth.login],
  [/^\/signup$/, auth.signup],
  [/^\/forgot-password$/, auth.forgot],
  [/^\/invite\/([^/]+)$/, links.acceptInvite],
  [/^\/join\/([^/]+)$/, links.join],
  [/^\/reset-password\/([^/]+)$/, links.resetPassword],
  [/^\/client$/, clientAccount],
  [/^\/team$/, partnerOnly(team)],
  [/^\/security$/, (ctx) => (signedOut() ? ctx.redirect('/login') : security(ctx))],
  [/^\/audit$/, partnerOnly(audit)],
  [/^\/connect$/, partnerOnly(connect)],
  [/^\/upgrade$/, partnerOnly(upgrade)],
];
