// A partner's Team page: the users of the firm.

import { gql, session, ME } from '../api.js';
import { h, alertBox } from '../dom.js';
import { USER, usersSection } from './users.js';
import { TEAM_SECURITY, teamSecurity } from './team-security.js';
import { teamScope } from './team-scope.js';

export async function team(ctx) {
  const main = ctx.shell({ nav: 'team' });
  main.append(h('h1', { tabindex: '-1' }, 'Team'), h('p', { class: 'muted' }, 'The people of your firm. Admins see and act on your clients; the owner also reads the audit log.'));
  const err = alertBox();
  const loading = h('p', { class: 'muted loading', role: 'status' }, 'Loading your team…');
  main.append(err, loading);
  try {
    const d = await gql(`query Team { me { ${ME} } users { ${USER} } }`);
    if (!ctx.alive()) return;
    session.setUser(d.me);
    loading.replaceWith(usersSection(d.users, d.me, 'main'));
    // The owner also sets the firm's second-factor policy and resets members' factors.
    if (d.me.role === 'OWNER') {
      const s = await gql(`query TeamSecurity { ${TEAM_SECURITY} }`);
      if (ctx.alive()) main.append(teamScope(s.users, d.me), teamSecurity(s, d.me));
    }
  } catch (e) {
    loading.remove();
    if (ctx.alive()) err.show(e);
  }
}
