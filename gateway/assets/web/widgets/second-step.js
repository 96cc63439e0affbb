// The second factor, wherever it is asked for (SPEC §12): at log-in's second step and
// at step-up (before entering a client's account, making new recovery codes, removing
// the last factor). A code (authenticator app or recovery code) or, when the person has
// one and this browser can, a passkey.

import { gql } from '../api.js';
import { h, field, form, uid } from '../dom.js';
import { passkeysWork, usePasskey, passkeyMessage } from '../passkey.js';

// A form asking for the proof; `send(proof)` gets `{ code }` or `{ challengeId,
// assertionJson }` and throws what should be shown. `passkey`: offer the passkey button.
export function proofForm({ label, passkey, send, submit = 'Verify' }) {
  const f = form(
    { class: 'stack', 'aria-label': label },
    [
      field('Code', h('input', { type: 'text', name: 'code', autocomplete: 'one-time-code', inputmode: 'text', required: true, maxlength: '20' }), 'The 6 digits your authenticator app shows, or one of your recovery codes.'),
      h('button', { type: 'submit', class: 'btn primary wide', 'data-busy': 'Checking…' }, submit),
    ],
    (fm) => send({ code: fm.elements.code.value.trim() }),
  );
  if (passkey && passkeysWork()) {
    const use = h('button', { type: 'button', class: 'btn wide', 'data-busy': 'Waiting for your passkey…' }, 'Use a passkey');
    use.addEventListener('click', async () => {
      f.alert.show(null);
      use.disabled = true;
      const shown = use.textContent;
      use.textContent = use.dataset.busy;
      try {
        const d = await gql('mutation BeginPasskey { beginPasskeyVerification { challengeId optionsJson } }', {}, { quiet: true });
        let assertionJson;
        try {
          assertionJson = await usePasskey(d.beginPasskeyVerification.optionsJson);
        } catch (e) {
          f.alert.show(passkeyMessage(e));
          return;
        }
        await send({ challengeId: d.beginPasskeyVerification.challengeId, assertionJson });
      } catch (e) {
        f.alert.show(e);
      } finally {
        use.disabled = false;
        use.textContent = shown;
      }
    });
    f.append(h('p', { class: 'or muted' }, 'or'), use);
  }
  return f;
}

const STEP_UP = 'mutation StepUp($code: String, $challengeId: ID, $assertionJson: String) { stepUp(code: $code, challengeId: $challengeId, assertionJson: $assertionJson) { expiresAt } }';

// Asks for the second factor again in a modal dialog and verifies it (`stepUp`): true
// once verified, false when the person cancels.
export async function stepUp(why) {
  let passkey = false;
  try {
    const d = await gql('{ me { secondFactors { kind } } }');
    passkey = d.me.secondFactors.some((f) => f.kind === 'PASSKEY');
  } catch {
    /* the form still takes a code */
  }
  return new Promise((resolve) => {
    const titleId = uid('su');
    const opener = document.activeElement;
    let answer = false;
    const dlg = h('dialog', { class: 'dialog confirm step-up', 'aria-labelledby': titleId });
    const f = proofForm({
      label: 'Confirm it is you',
      passkey,
      submit: 'Continue',
      send: async (proof) => {
        await gql(STEP_UP, proof);
        answer = true;
        dlg.close();
      },
    });
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel');
    dlg.append(h('h2', { id: titleId }, 'Confirm it is you'), h('p', null, why), f, h('div', { class: 'actions' }, cancel));
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    document.body.append(dlg);
    dlg.showModal();
    f.querySelector('input').focus();
  });
}

// Runs `action`; when the API answers STEP_UP_REQUIRED, asks for the second factor
// (`why`) and runs it once more. Resolves `undefined` if the person cancelled.
export async function withStepUp(action, why) {
  try {
    return await action();
  } catch (e) {
    if (e.code !== 'STEP_UP_REQUIRED') throw e;
    if (!(await stepUp(why))) return undefined;
    return action();
  }
}
