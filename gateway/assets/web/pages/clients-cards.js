// The cards above the client list: the discount tier and the trials ending soon.

import { h, put, when } from '../dom.js';

const clients = (n) => (n === 1 ? 'client' : 'clients');

function tier(card, t) {
  card.replaceChildren(
    h('h2', { id: 'tier-h' }, 'Discount tier'),
    h('p', { class: 'big' }, `${t.percentOff}% off`),
    h('p', null, `${t.activeClients} active ${clients(t.activeClients)} (Trial and Paying).`),
    h('p', { class: 'muted' }, t.clientsToNextTier == null ? 'You are at the top tier.' : `${t.clientsToNextTier} more active ${clients(t.clientsToNextTier)} to reach the next tier.`),
  );
}

function soonList(card, soon, onSeeAll) {
  const items = soon.edges.map(({ node }) =>
    h('li', null, h('span', { class: 'soon-name' }, node.name || node.email), ' ', h('span', { class: 'muted' }, 'ends ', when(node.trialEndsAt, { rel: true }))),
  );
  const more = h('button', { type: 'button', class: 'link', onclick: onSeeAll }, soon.totalCount > items.length ? `See all ${soon.totalCount}` : 'Show in the list');
  put(card,
    h('h2', { id: 'soon-h' }, 'Trials ending soon'),
    items.length ? [h('p', { class: 'muted' }, 'Trials that end in the next 7 days.'), h('ul', { class: 'soon' }, items), more] : h('p', { class: 'muted' }, 'No trial ends in the next 7 days.'),
  );
}

// Both cards, "Loading…" until `show(side)` (discountTier and soon of the side query);
// `onSeeAll()`: the soon card's button.
export function sideCards(onSeeAll) {
  const tierCard = h('section', { class: 'card stat', 'aria-labelledby': 'tier-h' }, h('h2', { id: 'tier-h' }, 'Discount tier'), h('p', { class: 'muted' }, 'Loading…'));
  const soonCard = h('section', { class: 'card', 'aria-labelledby': 'soon-h' }, h('h2', { id: 'soon-h' }, 'Trials ending soon'), h('p', { class: 'muted' }, 'Loading…'));
  return {
    el: h('div', { class: 'cards' }, tierCard, soonCard),
    show(side) {
      tier(tierCard, side.discountTier);
      soonList(soonCard, side.soon, onSeeAll);
    },
  };
}
