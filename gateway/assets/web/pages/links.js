// The pages emailed links open: accept an invite (`/invite/{token}`), join through a
// partner's link (`/join/{code}`), set a password (`/reset-password/{token}`). Each asks
// the API what the link is first (`link`), so a dead link says why before anyone types,
// and a live invite names the firm and whom it is for.

import { gql } from '../api.js';
import { h, field, form, fmtDateTime } from '../dom.js';
import { AUTH, PASSWORD_HINT, input, page, password, signUpForm, val } from './auth.js';
import { rememberWelcome } from './welcome.js';

const Q_LINK =
  'query Link($token: String!, $kind: LinkKind!) { link(token: $token, kind: $kind) { kind state firmName email companyName expiresAt } }';

const login = () => h('a', { href: '/login' }, 'Log in');
const newReset = () => h('a', { href: '/forgot-password' }, 'Ask for a new link');

// Why a link does not work, and what to do, in words for its opener.
function deadText(kind, link) {
  const firm = (link && link.firmName) || 'your accountant';
  const state = link ? link.state : 'UNKNOWN';
  if (kind === 'JOIN') return ['This sign-up link no longer works: your accountant may have made a new one. Ask them for their current link.'];
  if (kind === 'PASSWORD') {
    if (state === 'EXPIRED') return [`This link expired on ${fmtDateTime(link.expiresAt)}. `, newReset(), '.'];
    if (state === 'USED') return ['This link was already used, or a newer one was. ', newReset(), ', or ', login(), ' if you know your password.'];
    return ['This link is not valid: it may have been mistyped. ', newReset(), '.'];
  }
  switch (state) {
    case 'EXPIRED':
      return [`This invitation from ${firm} expired on ${fmtDateTime(link.expiresAt)}. Ask ${firm} to send you a new one.`];
    case 'REVOKED':
      return [`${firm} withdrew this invitation. Ask them whether they meant to send you a new one.`];
    case 'REPLACED':
      return [`${firm} sent you a newer invitation: use the link in their latest email.`];
    case 'USED':
      return [`This invitation was already used: your account exists. `, login(), ' (or set your password with the link in your email first).'];
    default:
      return ['This invitation link is not valid: it may have been mistyped, or the invitation was removed. Ask your accountant for a new one.'];
  }
}

// Asks what the link is; shows why when it does not work. Answers the live link, or null.
async function check(ctx, main, token, kind) {
  const wait = h('p', { class: 'muted', role: 'status' }, 'Checking your link…');
  main.append(wait);
  let link;
  try {
    link = (await gql(Q_LINK, { token, kind }, { auth: 'none' })).link;
  } catch (err) {
    wait.remove();
    main.append(h('div', { class: 'alert error', role: 'alert' }, err.message));
    return null;
  }
  wait.remove();
  if (!ctx.alive()) return null;
  if (link && link.state === 'LIVE') return link;
  main.querySelector('h1').textContent = 'This link no longer works';
  main.querySelector('.lead')?.remove();
  main.append(h('div', { class: 'alert error', role: 'alert' }, deadText(kind, link)));
  return null;
}

export async function join(ctx) {
  const code = ctx.params[0];
  const main = page(ctx, 'Join your accountant on Time');
  const link = await check(ctx, main, code, 'JOIN');
  if (!link) return;
  main.append(
    h('p', { class: 'lead' }, `${link.firmName} invited you with this link. Create your account to start your free trial; ${link.firmName} will see it in their client list.`),
    signUpForm(ctx.signedIn, { partnerCode: code, askAccountant: false }),
    h('p', { class: 'links' }, 'Already have an account? ', login()),
  );
}

export async function acceptInvite(ctx) {
  const token = ctx.params[0];
  const main = page(ctx, 'Accept your invitation');
  const link = await check(ctx, main, token, 'INVITE');
  if (!link) return;
  const f = form(
    { class: 'stack', 'aria-label': 'Accept your invitation' },
    [
      field('Company name', input({ name: 'companyName', autocomplete: 'organization', required: true, maxlength: '200', value: link.companyName || '' })),
      field('Your name', input({ name: 'name', autocomplete: 'name', required: true, maxlength: '200' })),
      field('Password', password({ name: 'password', autocomplete: 'new-password' }), PASSWORD_HINT),
      h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Creating your account…' }, 'Create account'),
    ],
    async (fm) => {
      const input = { companyName: val(fm, 'companyName'), name: val(fm, 'name'), password: fm.elements.password.value };
      const d = await gql(`mutation Accept($token: String!, $input: AcceptInviteInput!) { acceptInvite(token: $token, input: $input) { ${AUTH} } }`, { token, input }, { auth: 'none' });
      const acc = d.acceptInvite.user.account;
      rememberWelcome(d.acceptInvite.user, `Welcome! Your account for ${acc.name} is ready and your trial has started. Your Company ID is ${acc.companyId}.`);
      ctx.signedIn(d.acceptInvite);
    },
  );
  main.append(
    h('p', { class: 'lead' }, `${link.firmName} manages your books and invites you to open an account. You will be its owner and log in as `, h('strong', null, link.email), '.'),
    h('p', { class: 'muted' }, `The invitation works until ${fmtDateTime(link.expiresAt)}.`),
    f,
  );
}

export async function resetPassword(ctx) {
  const token = ctx.params[0];
  const main = page(ctx, 'Set your password');
  const link = await check(ctx, main, token, 'PASSWORD');
  if (!link) return;
  const done = h('div', { class: 'alert ok', role: 'status', hidden: true });
  const f = form(
    { class: 'stack', 'aria-label': 'Set your password' },
    [field('New password', password({ name: 'newPassword', autocomplete: 'new-password' }), PASSWORD_HINT), h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Saving…' }, 'Set password')],
    async (fm) => {
      await gql('mutation Reset($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }', { token, newPassword: fm.elements.newPassword.value }, { auth: 'none' });
      fm.hidden = true;
      done.replaceChildren('Your password is set. ', h('a', { href: '/login' }, 'Log in with your new password'));
      done.hidden = false;
    },
  );
  main.append(h('p', { class: 'lead' }, 'Choose a new password for ', h('strong', null, link.email), '. The link works once.'), f, done);
}
