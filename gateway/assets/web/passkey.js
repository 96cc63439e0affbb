// Passkeys in the browser (SPEC §12): the API's WebAuthn options (JSON, bytes in
// base64url) turned into what navigator.credentials takes, and its answer back into the
// JSON the API checks. The ceremony itself (challenge, signature) is the server's.

const b64uToBytes = (s) => {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
};

const bytesToB64u = (buf) => {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const withIds = (list) => (list || []).map((c) => ({ ...c, id: b64uToBytes(c.id) }));

// Whether this browser, on this page, can use passkeys at all (a secure context).
export const passkeysWork = () => typeof window.PublicKeyCredential === 'function' && window.isSecureContext;

// A new passkey for `optionsJson` (from beginPasskeyEnrolment): the credential as JSON.
export async function createPasskey(optionsJson) {
  const pk = JSON.parse(optionsJson).publicKey;
  const cred = await navigator.credentials.create({
    publicKey: {
      ...pk,
      challenge: b64uToBytes(pk.challenge),
      user: { ...pk.user, id: b64uToBytes(pk.user.id) },
      excludeCredentials: withIds(pk.excludeCredentials),
    },
  });
  const r = cred.response;
  return JSON.stringify({
    id: cred.id,
    rawId: bytesToB64u(cred.rawId),
    type: cred.type,
    response: {
      attestationObject: bytesToB64u(r.attestationObject),
      clientDataJSON: bytesToB64u(r.clientDataJSON),
      transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
    },
    clientExtensionResults: cred.getClientExtensionResults(),
  });
}

// An assertion for `optionsJson` (from beginPasskeyVerification), as JSON.
export async function usePasskey(optionsJson) {
  const pk = JSON.parse(optionsJson).publicKey;
  const cred = await navigator.credentials.get({
    publicKey: { ...pk, challenge: b64uToBytes(pk.challenge), allowCredentials: withIds(pk.allowCredentials) },
  });
  const r = cred.response;
  return JSON.stringify({
    id: cred.id,
    rawId: bytesToB64u(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: bytesToB64u(r.authenticatorData),
      clientDataJSON: bytesToB64u(r.clientDataJSON),
      signature: bytesToB64u(r.signature),
      userHandle: r.userHandle ? bytesToB64u(r.userHandle) : null,
    },
    clientExtensionResults: cred.getClientExtensionResults(),
  });
}

// What a browser's refusal means to a person (they cancelled, or no passkey here).
export function passkeyMessage(e) {
  if (e && e.name === 'NotAllowedError') return 'The passkey was not used (cancelled, timed out, or none for this site on this device).';
  if (e && e.name === 'InvalidStateError') return 'This device already holds one of your passkeys.';
  return e && e.message ? e.message : String(e);
}
