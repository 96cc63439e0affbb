// Signed-out pages: log in, sign up, forgot password (the pages emailed links open are
// in links.js).

import { gql, ME } from '../api.js';
import { h, field, checkbox, form } from '../dom.js';
import { rememberWelcome } from './welcome.js';
import { proofForm } from '../widgets/second-step.js';

// The session comes back as a cookie; the answer's `token` is empty for the web app.
export const AUTH = `expiresAt secondFactorRequired secondFactorKinds user { ${ME} }`;

export const input = (props) => h('input', { type: 'text', ...props });
export const val = (f, name) => f.elements[name].value.trim();
export const password = (props) => input({ type: 'password', minlength: '10', maxlength: '128', required: true, ...props });
export const PASSWORD_HINT = 'At least 10 characters.';

export function page(ctx, title, intro) {
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
      if (d.logIn.secondFactorRequired) secondStep(ctx, main, f, d.logIn.secondFactorKinds);
      else ctx.signedIn(d.logIn);
    },
  );
  main.append(
    f,
    h('p', { class: 'links' }, h('a', { href: '/forgot-password' }, 'Forgot your password?')),
    h('p', { class: 'links' }, 'New here? ', h('a', { href: '/signup' }, 'Sign up')),
  );
}

// The second step of a log-in (SPEC §12): the password was right and the person has a
// second factor; the session cookie holds a pending token (5 minutes, 5 tries) until a
// code from their authenticator app, a recovery code or a passkey is verified.
const VERIFY = `mutation Verify($code: String, $challengeId: ID, $assertionJson: String) { verifySecondFactor(code: $code, challengeId: $challengeId, assertionJson: $assertionJson) { ${AUTH} } }`;

function secondStep(ctx, main, passwordForm, kinds) {
  const f = proofForm({
    label: 'Second step',
    passkey: kinds.includes('PASSKEY'),
    send: async (proof) => {
      const d = await gql(VERIFY, proof, { quiet: true });
      ctx.signedIn(d.verifySecondFactor);
    },
  });
  passwordForm.replaceWith(f);
  main.querySelector('h1').textContent = 'Second step';
  main.querySelector('.lead')?.replaceChildren('Your password was right. Now confirm it is you.');
  f.querySelector('input').focus();
}

// `signedIn(auth, message)`: the context's, once the account exists.
export function signUpForm(signedIn, { partnerCode = null, askAccountant = true, button = 'Sign up' }) {
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
