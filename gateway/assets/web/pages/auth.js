// Signed-out pages: log in, sign up, forgot password, and the pages the emails link to.

import { gql, ME } from '../api.js';
import { h, field, checkbox, form } from '../dom.js';
import { rememberWelcome } from './welcome.js';

const AUTH = `token expiresAt user { ${ME} }`;

const input = (props) => h('input', { type: 'text', ...props });
const val = (f, name) => f.elements[name].value.trim();
const password = (props) => input({ type: 'password', minlength: '10', maxlength: '128', required: true, ...props });
const PASSWORD_HINT = 'At least 10 characters.';

function page(ctx, title, intro) {
  const main = ctx.plain();
  main.append(h('h1', { tabindex: '-1' }, title));
  if (intro) main.append(h('p', { class: 'lead' }, intro));
  ctx.showNotice(main);
  return main;
}

export function login(ctx) {
  const main = page(ctx, 'Log in', 'Partners and clients log in here.');
  const f = form(
    { class: 'stack', 'aria-label': 'Log in' },
    [
      field('Email', input({ type: 'email', name: 'email', autocomplete: 'username', required: true })),
      field('Password', input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true })),
      field('Company ID', input({ name: 'companyId', autocomplete: 'organization', placeholder: 'e.g. FZR4371', maxlength: '7' }), 'Optional: only when your email belongs to several accounts.'),
      h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Logging in…' }, 'Log in'),
    ],
    async (fm) => {
      const companyId = val(fm, 'companyId').toUpperCase() || null;
      const d = await gql(
        `mutation LogIn($email: String!, $password: String!, $companyId: String) { logIn(email: $email, password: $password, companyId: $companyId) { ${AUTH} } }`,
        { email: val(fm, 'email'), password: fm.elements.password.value, companyId },
        { auth: 'none' },
      );
      ctx.signedIn(d.logIn);
    },
  );
  main.append(
    f,
    h('p', { class: 'links' }, h('a', { href: '/forgot-password' }, 'Forgot your password?')),
    h('p', { class: 'links' }, 'New here? ', h('a', { href: '/signup' }, 'Sign up')),
  );
}

// `signedIn(auth, message)`: the context's, once the account exists.
function signUpForm(signedIn, { partnerCode = null, askAccountant = true, button = 'Sign up' }) {
  const fields = [
    field('Company name', input({ name: 'companyName', autocomplete: 'organization', required: true, maxlength: '200' })),
    field('Your name', input({ name: 'name', autocomplete: 'name', required: true, maxlength: '200' })),
    field('Email', input({ type: 'email', name: 'email', autocomplete: 'email', required: true })),
    field('Password', password({ name: 'password', autocomplete: 'new-password' }), PASSWORD_HINT),
  ];
  if (askAccountant) fields.push(checkbox('I am an accountant or bookkeeper', { name: 'accountant' }));
  fields.push(h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Creating your account…' }, button));
  return form({ class: 'stack', 'aria-label': 'Sign up' }, fields, async (fm) => {
    const input = {
      companyName: val(fm, 'companyName'),
      name: val(fm, 'name'),
      email: val(fm, 'email'),
      password: fm.elements.password.value,
      isAccountantOrBookkeeper: askAccountant ? fm.elements.accountant.checked : false,
      partnerCode,
    };
    const d = await gql(`mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${AUTH} } }`, { input }, { auth: 'none' });
    const acc = d.signUp.user.account;
    const next = acc.kind === 'PARTNER' ? ' Add your clients with “Invite clients”.' : '';
    rememberWelcome(d.signUp.user, `Welcome! Your account for ${acc.name} is ready. Your Company ID is ${acc.companyId}.${next}`);
    signedIn(d.signUp);
  });
}

export function signup(ctx) {
  const main = page(ctx, 'Sign up', 'Accounting and bookkeeping firms get a free partner account; businesses start with a free trial.');
  main.append(signUpForm(ctx.signedIn, {}), h('p', { class: 'links' }, 'Already have an account? ', h('a', { href: '/login' }, 'Log in')));
}

export function join(ctx) {
  const main = page(ctx, 'Join your accountant on Time', 'Your accountant invited you with this link. Create your account to start your free trial; your accountant will see it in their client list.');
  main.append(signUpForm(ctx.signedIn, { partnerCode: ctx.params[0], askAccountant: false }), h('p', { class: 'links' }, 'Already have an account? ', h('a', { href: '/login' }, 'Log in')));
}

export function acceptInvite(ctx) {
  const token = ctx.params[0];
  const main = page(ctx, 'Accept your invitation', 'Create your account to start your free trial. You will be its owner.');
  const f = form(
    { class: 'stack', 'aria-label': 'Accept your invitation' },
    [
      field('Company name', input({ name: 'companyName', autocomplete: 'organization', required: true, maxlength: '200' })),
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
  main.append(f);
}

export function resetPassword(ctx) {
  const token = ctx.params[0];
  const main = page(ctx, 'Set your password', 'Choose a new password. The link works once.');
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
  main.append(f, done);
}

export function forgot(ctx) {
  const main = page(ctx, 'Reset your password', 'Enter your email and we will send you a link to choose a new password.');
  const done = h('div', { class: 'alert ok', role: 'status', hidden: true });
  const f = form(
    { class: 'stack', 'aria-label': 'Reset your password' },
    [
      field('Email', input({ type: 'email', name: 'email', autocomplete: 'username', required: true })),
      field('Company ID', input({ name: 'companyId', placeholder: 'e.g. FZR4371', maxlength: '7' }), 'Optional: only when your email belongs to several accounts.'),
      h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Sending…' }, 'Send reset link'),
    ],
    async (fm) => {
      await gql('mutation Forgot($email: String!, $companyId: String) { requestPasswordReset(email: $email, companyId: $companyId) }', { email: val(fm, 'email'), companyId: val(fm, 'companyId').toUpperCase() || null }, { auth: 'none' });
      fm.hidden = true;
      done.textContent = 'If an account matches, we have emailed a link to reset its password. The link works once, for one hour.';
      done.hidden = false;
    },
  );
  main.append(f, done, h('p', { class: 'links' }, h('a', { href: '/login' }, 'Back to log in')));
}
