// The client's side of access it controls (SPEC §13), on its account page: who from the
// partner firm is signed in now and why (a banner for everyone, read again every 15 s),
// and for the owner and admins the requests (approve with a role and an end, or
// decline), the grants (revoke) and the access log of every partner session.

import { gql } from '../api.js';
import { h, field, select, toast, toastError, when, ROLE } from '../dom.js';
import { confirmAction } from '../widgets/confirm.js';
import { formDialog } from '../widgets/form-dialog.js';

const GRANTS = '{ accessGrants { id status role reason requestedAt decidedAt expiresAt person { name email } firm { name } } }';
const LOG = `query Log($after: String) { partnerAccessLog(first: 20, after: $after) { pageInfo { hasNextPage endCursor }
  edges { node { id person { name email } firm { name } startedAt endedAt reason ip actions { action detail at } } } } }`;
const NOW = '{ partnerSessionsNow { id person { name email } firm { name } startedAt reason } }';
const STATUS = { PENDING: 'Waiting for your answer', ACTIVE: 'Active', DECLINED: 'Declined', EXPIRED: 'Ended', REVOKED: 'Revoked' };
const RANK = ['OWNER', 'ADMIN', 'MANAGER', 'EMPLOYEE'];

// The banner: who from the partner firm is in the account now, and why. `auth`: the
// session the page uses. Returns the element; it keeps itself current until removed.
export function partnerBanner(ctx, auth) {
  const box = h('div', { class: 'banner partner-here', role: 'status', 'aria-live': 'polite', hidden: true });
  const read = async () => {
    try {
      const d = await gql(NOW, {}, { auth, quiet: true });
      if (!ctx.alive()) return;
      const s = d.partnerSessionsNow;
      box.hidden = !s.length;
      box.replaceChildren(...s.map((x) => h('p', null, h('strong', null, `${x.person.name} (${x.person.email})`), ` of ${x.firm.name} is signed in to your account since `, when(x.startedAt, { withTime: true }), x.reason ? `: “${x.reason}”` : ' (no reason given)', '.')));
    } catch {
      /* the next read tries again */
    }
  };
  read();
  const timer = setInterval(read, 15000);
  ctx.onDispose(() => clearInterval(timer));
  return box;
}

async function approve(g, reload) {
  const roles = RANK.slice(RANK.indexOf(g.role)).filter((r) => r !== 'OWNER').map((r) => [r, ROLE[r]]);
  const role = select(roles, { name: 'role' });
  const end = h('input', { type: 'date', name: 'end' });
  if (g.expiresAt) {
    end.value = g.expiresAt.slice(0, 10);
    end.max = end.value;
  }
  const done = await formDialog({
    title: `Approve ${g.person.name}’s access?`,
    text: `${g.person.name} (${g.person.email}) of ${g.firm.name} asked for ${ROLE[g.role]} ${g.expiresAt ? 'until ' + g.expiresAt.slice(0, 10) : 'until you revoke it'}: “${g.reason || ''}”. You can give a lower role or an earlier end.`,
    fields: [field('Role', role), field('Ends', end, g.expiresAt ? 'At the latest the end asked for.' : 'Leave empty: until you revoke it.')],
    button: 'Approve',
    submit: async () => {
      // The day asked for keeps the instant asked for; an earlier day ends at its close.
      const asked = g.expiresAt ? g.expiresAt.slice(0, 10) : null;
      const expiresAt = !end.value || end.value === asked ? null : new Date(`${end.value}T23:59:59`).toISOString();
      await gql('mutation Approve($id: ID!, $role: Role, $until: DateTime) { approveAccessRequest(grantId: $id, role: $role, expiresAt: $until) { id } }', { id: g.id, role: role.value, until: expiresAt });
      return true;
    },
  });
  if (done) {
    toast(`${g.person.name} can now enter your account as ${ROLE[role.value]}.`);
    reload();
  }
}

async function answer(g, kind, reload) {
  const revoke = kind === 'revoke';
  const ok = await confirmAction(revoke
    ? { title: `Revoke ${g.person.name}’s access?`, text: 'It ends now, with any session they have in your account.', confirm: 'Yes, revoke' }
    : { title: `Decline ${g.person.name}’s request?`, text: 'They are told, and can ask again.', confirm: 'Yes, decline' });
  if (!ok) return;
  try {
    const op = revoke ? 'revokeAccess' : 'declineAccessRequest';
    await gql(`mutation Answer($id: ID!) { ${op}(grantId: $id) { id } }`, { id: g.id });
    toast(revoke ? `${g.person.name}’s access was revoked.` : 'The request was declined.');
    reload();
  } catch (e) {
    toastError(e);
  }
}

function grantRow(g, reload) {
  const who = `${g.person.name} (${g.person.email})`;
  const btn = (text, fn, cls = 'btn small') => h('button', { type: 'button', class: cls, onclick: fn }, text, h('span', { class: 'visually-hidden' }, ` ${who}`));
  const acts = g.status === 'PENDING'
    ? [btn('Approve', () => approve(g, reload), 'btn small primary'), btn('Decline', () => answer(g, 'decline', reload))]
    : g.status === 'ACTIVE' ? [btn('Revoke', () => answer(g, 'revoke', reload), 'btn small danger-ghost')] : [];
  return h('tr', null,
    h('td', { 'data-label': 'Person' }, h('div', { class: 'name' }, g.person.name), h('div', { class: 'sub' }, g.person.email, ' · ', g.firm.name)),
    h('td', { 'data-label': 'Access' }, STATUS[g.status] || g.status, h('div', { class: 'sub' }, ROLE[g.role], g.expiresAt ? [' until ', when(g.expiresAt, { withTime: true })] : ' until revoked')),
    h('td', { 'data-label': 'Why' }, g.reason || h('span', { class: 'muted' }, '—')),
    h('td', { 'data-label': 'Actions' }, h('div', { class: 'row-actions' }, acts.length ? acts : h('span', { class: 'muted' }, '—'))));
}

function logRow(s) {
  return h('tr', null,
    h('td', { 'data-label': 'Person' }, h('div', { class: 'name' }, s.person.name), h('div', { class: 'sub' }, s.person.email, ' · ', s.firm.name)),
    h('td', { 'data-label': 'When' }, when(s.startedAt, { withTime: true }), h('div', { class: 'sub' }, s.endedAt ? ['ended ', when(s.endedAt, { withTime: true })] : 'signed in now')),
    h('td', { 'data-label': 'Why' }, s.reason || h('span', { class: 'muted' }, 'No reason given')),
    h('td', { 'data-label': 'From' }, s.ip || '—'),
    h('td', { 'data-label': 'What they did' }, s.actions.length ? h('ul', { class: 'plain' }, s.actions.map((a) => h('li', null, a.detail || a.action))) : h('span', { class: 'muted' }, 'Nothing changed')));
}

const table = (label, cols, rows) => h('table', { class: 'grid', 'aria-label': label }, h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', null, rows));

// The owner's and admins' section: grants and requests, then the log.
export function accessSection(ctx) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'pa-h' }, h('h2', { id: 'pa-h' }, 'Partner access'));
  const grants = h('div');
  const log = h('div');
  section.append(h('p', { class: 'muted' }, 'Who from your accountant’s firm may enter your account, and every time they did.'), grants, h('h3', null, 'Access log'), log);
  async function reload() {
    try {
      const [g, l] = await Promise.all([gql(GRANTS), gql(LOG)]);
      if (!ctx.alive()) return;
      const gs = g.accessGrants;
      grants.replaceChildren(gs.length ? table('Access to your account', ['Person', 'Access', 'Why', 'Actions'], gs.map((x) => grantRow(x, reload))) : h('p', { class: 'muted' }, 'Nobody from the firm has access or asked for it.'));
      const ls = l.partnerAccessLog.edges.map((e) => e.node);
      log.replaceChildren(ls.length ? table('Partner sessions in your account', ['Person', 'When', 'Why', 'From', 'What they did'], ls.map(logRow)) : h('p', { class: 'muted' }, 'Nobody from the firm has entered your account.'));
    } catch (e) {
      if (ctx.alive()) toastError(e);
    }
  }
  reload();
  return section;
}
