// The invite dialog's "Invite link" tab: the partner's unique sign-up link, to copy,
// and to regenerate (after a confirmation: the old link stops working).

import { gql } from '../api.js';
import { h, field, busy, toast, alertBox } from '../dom.js';

async function copy(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    try {
      document.execCommand('copy');
    } catch {
      /* selected for the person to copy */
    }
  }
  toast('Invite link copied.');
}

// Asks before `regenerate`; `cancel()` hides it again.
function confirmation(regenerate, cancel) {
  const box = h('div', { class: 'alert warn', hidden: true });
  box.append(
    h('p', null, 'The current link stops working at once. Anyone who has it will need the new one.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn danger', onclick: (e) => busy(e.currentTarget, regenerate) }, 'Yes, regenerate'),
      h('button', { type: 'button', class: 'btn', onclick: cancel }, 'Cancel')),
  );
  return box;
}

// Returns {el, load()}: the link is read the first time the tab is shown.
export function linkPanel() {
  const input = h('input', { type: 'text', readOnly: true, name: 'link', value: '' });
  const alert = alertBox();
  const copyBtn = h('button', { type: 'button', class: 'btn primary', disabled: true, onclick: () => copy(input) }, 'Copy link');
  const regenBtn = h('button', { type: 'button', class: 'btn', disabled: true, onclick: () => { ask.hidden = false; ask.querySelector('button').focus(); } }, 'Regenerate link');
  const ask = confirmation(regenerate, () => {
    ask.hidden = true;
    regenBtn.focus();
  });
  async function regenerate() {
    alert.show(null);
    try {
      const d = await gql('mutation Regenerate { regenerateInviteLink { code url } }');
      input.value = d.regenerateInviteLink.url;
      ask.hidden = true;
      regenBtn.focus();
      toast('A new invite link is ready; the old one no longer works.');
    } catch (err) {
      alert.show(err);
    }
  }
  let loaded = false;
  async function load() {
    if (loaded) return;
    try {
      const d = await gql('query InviteLink { inviteLink { code url } }');
      input.value = d.inviteLink.url;
      copyBtn.disabled = regenBtn.disabled = false;
      loaded = true;
    } catch (err) {
      alert.show(err);
    }
  }
  const el = h(
    'div',
    null,
    h('p', { class: 'muted' }, 'Share your unique link: anyone who signs up through it becomes your client, on a free trial.'),
    alert,
    field('Your invite link', input),
    h('div', { class: 'actions' }, copyBtn, regenBtn),
    ask,
  );
  return { el, load };
}
