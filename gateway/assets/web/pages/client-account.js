// The client account page: as its owner (or another of its users), or as the partner's
// user in it after "Log in" on the client list. Its subscription and its users.

import { gql, session, ME, isAdmin } from '../api.js';
import { h, busy, toast, toastError, badge, when, alertBox, ROLE } from '../dom.js';
import { USER, usersSection } from './users.js';
import { welcomeBanner } from './welcome.js';
import { partnerBanner, accessSection } from './client-access.js';

// The partner's way back, above the page while it is in a client session.
function clientBanner(user, navigate) {
  const backToPartner = async () => {
    await gql('mutation { logOut }', {}, { auth: 'client' }).catch(() => {});
    session.clearClient();
    navigate('/');
  };
  const back = h('button', { type: 'button', class: 'btn primary', onclick: (e) => busy(e.currentTarget, backToPartner) }, 'Back to partner dashboard');
  return h(
    'div',
    { class: 'banner', role: 'region', 'aria-label': 'Client session' },
    h('p', null, 'You are in ', h('strong', null, user.account.name), ' as your own user there (', user.email, ', ', ROLE[user.role] || user.role, '). The session lasts one hour.'),
    back,
  );
}

// Where the subscription stands, from the account itself.
function subscriptionOf(acc) {
  if (acc.plan) return { status: 'PAYING', plan: acc.plan, since: acc.subscribedAt };
  if (acc.trialEndsAt) return { status: new Date(acc.trialEndsAt) > new Date() ? 'TRIAL' : 'TRIAL_EXPIRED', trialEndsAt: acc.trialEndsAt };
  return null;
}

function statusLine(status, plans) {
  if (!status) return h('p', { class: 'muted' }, 'Choose a plan to keep using Time after your free trial.');
  const plan = plans.find((p) => p.id === status.plan);
  return h('p', null, badge(status.status), ' ',
    status.status === 'TRIAL' && status.trialEndsAt ? ['Free trial until ', when(status.trialEndsAt)] : null,
    status.status === 'TRIAL_EXPIRED' ? 'The free trial has ended: subscribe to keep using Time.' : null,
    status.status === 'PAYING' ? [`Subscribed to ${plan ? plan.name : status.plan}`, status.since ? [' since ', when(status.since)] : null, '.'] : null);
}

// The subscription card: where it stands and the plans, each with Subscribe for an
// owner or admin of an account that does not pay yet.
function subscriptionCard({ plans, me, auth, status: initial }) {
  let status = initial;
  const box = h('section', { class: 'card', 'aria-labelledby': 'sub-h', tabindex: '-1' });
  const subscribe = (p) => async () => {
    try {
      await gql('mutation Subscribe($plan: String!) { subscribe(plan: $plan) { id } }', { plan: p.id }, { auth });
      status = { status: 'PAYING', plan: p.id, since: new Date().toISOString() };
      render();
      toast(`Subscribed to ${p.name}.`);
      box.querySelector('h2').focus();
    } catch (x) {
      toastError(x);
    }
  };
  function render() {
    const canBuy = isAdmin(me) && !(status && status.status === 'PAYING');
    box.replaceChildren(h('h2', { id: 'sub-h' }, 'Subscription'), statusLine(status, plans));
    box.append(
      h('ul', { class: 'plans' }, plans.map((p) =>
        h('li', { class: 'plan' },
          h('h3', null, p.name),
          p.description ? h('p', { class: 'muted' }, p.description) : null,
          canBuy ? h('button', { type: 'button', class: 'btn primary', onclick: (e) => busy(e.currentTarget, subscribe(p), 'Subscribing…') }, `Subscribe to ${p.name}`) : null))),
    );
    if (!isAdmin(me)) box.append(h('p', { class: 'muted' }, 'Only owners and admins can subscribe.'));
  }
  render();
  return box;
}

export async function clientView(ctx, { asPartner }) {
  const auth = asPartner ? 'client' : 'main';
  const user = asPartner ? session.clientUser() : session.user();
  const banner = asPartner ? clientBanner(user, ctx.navigate) : null;
  const main = ctx.shell({ nav: null, user, banner });
  const title = h('h1', { tabindex: '-1' }, user.account.name);
  const sub = h('p', { class: 'muted' }, `Company ID ${user.account.companyId} · your role: ${ROLE[user.role] || user.role}`);
  main.append(title, sub);
  ctx.showNotice(main);
  const welcome = asPartner ? null : welcomeBanner(user);
  const err = alertBox();
  const loading = h('p', { class: 'muted loading', role: 'status' }, 'Loading the account…');
  main.append(...[welcome, err, loading].filter(Boolean));

  let data;
  try {
    data = await gql(`query ClientAccount { me { ${ME} account { plan subscribedAt trialEndsAt } } users { ${USER} } plans { id name description } }`, {}, { auth });
    if (!ctx.alive()) return;
  } catch (e) {
    loading.remove();
    if (ctx.alive()) err.show(e);
    return;
  }
  loading.remove();
  const me = data.me;
  if (asPartner) session.setClientUser(me);
  else session.setUser(me);
  const subBox = subscriptionCard({ plans: data.plans, me, auth, status: subscriptionOf(me.account) });
  // The client's own people see who from the firm is in; its owner and admins decide.
  const own = !asPartner;
  if (own) main.append(partnerBanner(ctx, auth));
  main.append(h('div', { class: 'stack-sections' }, subBox, usersSection(data.users, me, auth), own && isAdmin(me) ? accessSection(ctx) : null));
}
