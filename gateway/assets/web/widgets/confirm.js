// Asking before an action a person cannot take back from here (revoking an invite,
// taking a user's admin role): a modal dialog that says what will happen, with the
// action's button and Cancel (focused first: Enter or Escape changes nothing).

import { h, uid } from '../dom.js';

// Resolves true once `confirm` (the button's text) is pressed, false on Cancel, Escape
// or when the page changes. Focus goes back to where it was.
export function confirmAction({ title, text, confirm }) {
  return new Promise((resolve) => {
    const titleId = uid('cf');
    const textId = `${titleId}-text`;
    const opener = document.activeElement;
    let answer = false;
    const dlg = h('dialog', { class: 'dialog confirm', role: 'alertdialog', 'aria-labelledby': titleId, 'aria-describedby': textId });
    const yes = h('button', { type: 'button', class: 'btn danger', onclick: () => { answer = true; dlg.close(); } }, confirm);
    const no = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
    dlg.append(h('h2', { id: titleId }, title), h('p', { id: textId }, text), h('div', { class: 'actions' }, yes, no));
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    document.body.append(dlg);
    dlg.showModal();
    no.focus();
  });
}
