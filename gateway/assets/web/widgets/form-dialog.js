// A small form in a modal dialog (asking for access, a reason to enter, approving a
// request): its fields, its button and Cancel. Resolves with what `submit(form)`
// answered, or null when the person cancelled; an error `submit` throws is shown in the
// dialog and the form stays.

import { h, form, uid } from '../dom.js';

export function formDialog({ title, text, fields, button, busyLabel = 'Saving…', submit }) {
  return new Promise((resolve) => {
    const titleId = uid('fd');
    const opener = document.activeElement;
    let answer = null;
    const dlg = h('dialog', { class: 'dialog confirm form-dialog', 'aria-labelledby': titleId });
    const f = form({ class: 'stack', 'aria-label': title }, [...fields, h('button', { type: 'submit', class: 'btn primary', 'data-busy': busyLabel }, button)], async (fm) => {
      answer = await submit(fm);
      dlg.close();
    });
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
    dlg.append(h('h2', { id: titleId }, title), text ? h('p', null, text) : null, f, h('div', { class: 'actions' }, cancel));
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = f.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}
