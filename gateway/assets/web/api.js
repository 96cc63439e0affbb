// The public GraphQL API: sessions, POST /graphql, and the live client list over
// /graphql/ws (graphql-transport-ws).

// The fields every page knows the signed-in user by.
export const ME = 'id email name role active account { id companyId name kind platform }';
// Whether a user (of ME's fields) is its account's owner or an admin.
export const isAdmin = (u) => u && (u.role === 'OWNER' || u.role === 'ADMIN');

const KEYS = {
  token: 'pd.token',
  user: 'pd.user',
  clientToken: 'pd.clientToken',
  clientUser: 'pd.clientUser',
  clientRow: 'pd.clientRow',
};

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) || 'null');
  } catch {
    return null;
  }
}
function write(key, value) {
  if (value == null) sessionStorage.removeItem(key);
  else sessionStorage.setItem(key, JSON.stringify(value));
}

// The signed-in person (the "main" session) and, when a partner logged in to a
// client, the client session beside it.
export const session = {
  token: () => read(KEYS.token),
  user: () => read(KEYS.user),
  setUser: (user) => write(KEYS.user, user),
  signIn(auth) {
    write(KEYS.token, auth.token);
    write(KEYS.user, auth.user);
    session.clearClient();
  },
  clear() {
    Object.values(KEYS).forEach((k) => sessionStorage.removeItem(k));
  },
  clientToken: () => read(KEYS.clientToken),
  clientUser: () => read(KEYS.clientUser),
  clientRow: () => read(KEYS.clientRow),
  setClientUser: (user) => write(KEYS.clientUser, user),
  enterClient(auth, row) {
    write(KEYS.clientToken, auth.token);
    write(KEYS.clientUser, auth.user);
    write(KEYS.clientRow, { id: row.id, name: row.name, email: row.email });
  },
  clearClient() {
    [KEYS.clientToken, KEYS.clientUser, KEYS.clientRow].forEach((k) => sessionStorage.removeItem(k));
  },
};

export class ApiError extends Error {
  constructor(message, code, extensions) {
    super(message);
    this.code = code || null;
    this.extensions = extensions || {};
  }
  get retryAfter() {
    const s = Number(this.extensions.retryAfterSeconds);
    return Number.isFinite(s) && s > 0 ? s : null;
  }
}

function duration(secs) {
  if (secs < 90) return `${Math.ceil(secs)} s`;
  if (secs < 5400) return `${Math.ceil(secs / 60)} min`;
  return `${Math.round(secs / 3600)} h`;
}

// "(2026-12-06 14:05 UTC)", the instant a RATE_LIMITED message names.
const UTC_INSTANT = /\s*\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\)/;

// An instant in the person's own time: "14:05", or "Mon 14:05" on another day.
function localTime(at) {
  const today = at.toDateString() === new Date().toDateString();
  return at.toLocaleString(undefined, today ? { hour: '2-digit', minute: '2-digit' } : { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

// What to show a person for an error: the API's message as it is (it holds emails and
// names, so it is never re-cased), an instant it names in the person's own time, and for
// RATE_LIMITED when to try again.
export function errorText(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  let text = err.message.replace(UTC_INSTANT, (_, day, hm) => ` (at ${localTime(new Date(`${day}T${hm}:00Z`))})`);
  if (err.code === 'RATE_LIMITED' && err.retryAfter && !/try again/i.test(text)) {
    const at = localTime(new Date(Date.now() + err.retryAfter * 1000));
    text += ` You can try again in ${duration(err.retryAfter)} (at ${at}).`;
  }
  return text;
}

let onSessionEnded = () => {};
// Called with 'main' or 'client' when the API says a session we sent has ended.
export function whenSessionEnds(fn) {
  onSessionEnded = fn;
}

// Runs one GraphQL document. `auth`: 'main' (default), 'client' or 'none'.
export async function gql(query, variables = {}, { auth = 'main' } = {}) {
  const token = auth === 'client' ? session.clientToken() : auth === 'main' ? session.token() : null;
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('Cannot reach the server. Check your connection and try again.', 'NETWORK');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The server answered with an error (HTTP ${res.status}). Please try again.`, 'HTTP');
  }
  const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
  if (first) {
    const ext = first.extensions || {};
    const err = new ApiError(first.message || 'The request failed.', ext.code, ext);
    if (token && err.code === 'UNAUTHENTICATED') onSessionEnded(auth);
    throw err;
  }
  if (!body || !body.data) throw new ApiError('The server sent an empty answer.', 'EMPTY');
  return body.data;
}

// The live client list: a minimal graphql-transport-ws client. `onNext(change)` gets
// each clientChanged; `onReconnect()` once the subscription is registered, on the
// first connection and after one came back (read the list again: changes made before
// it was registered were missed); `onEnd(code)` when the session ended (4401) or no
// longer may see the list (4403), and nothing will reconnect.
export function liveClients({ token, query, onNext, onReconnect, onEnd }) {
  // The connection's state, shared with `answer`.
  const live = { ws: null, stopped: false, timer: null, delay: 2000, query, onNext, onReconnect };
  live.send = (msg) => {
    if (live.ws && live.ws.readyState === WebSocket.OPEN) live.ws.send(JSON.stringify(msg));
  };

  const schedule = (wait) => {
    if (live.stopped) return;
    const jitter = Math.random() * 500;
    live.timer = setTimeout(connect, (wait || live.delay) + jitter);
    live.delay = Math.min(live.delay * 2, 30000);
  };

  function connect() {
    if (live.stopped) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`;
    let ws;
    try {
      ws = live.ws = new WebSocket(url, 'graphql-transport-ws');
    } catch {
      schedule();
      return;
    }
    ws.onopen = () => live.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    ws.onmessage = (ev) => answer(live, ev.data);
    ws.onerror = () => {}; // the close event follows; nothing to log
    ws.onclose = (ev) => {
      live.ws = null;
      if (live.stopped) return;
      if (ev.code === 4401 || ev.code === 4403) {
        live.stopped = true;
        if (onEnd) onEnd(ev.code);
        return;
      }
      schedule(ev.code === 4429 ? 30000 : 0);
    };
  }

  connect();
  return {
    stop() {
      live.stopped = true;
      clearTimeout(live.timer);
      if (live.ws) {
        try {
          live.ws.close(1000);
        } catch {
          /* already closing */
        }
      }
    },
  };
}

// One message of the server on the live connection.
function answer(live, data) {
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return;
  }
  switch (msg.type) {
    case 'connection_ack':
      live.delay = 2000;
      live.send({ id: '1', type: 'subscribe', payload: { query: live.query } });
      // The server reads messages in order: its pong to this ping means the subscription
      // is registered, and only then does reading the list again miss nothing.
      live.send({ type: 'ping', payload: { subscribed: true } });
      break;
    case 'pong':
      if (msg.payload && msg.payload.subscribed && live.onReconnect) live.onReconnect();
      break;
    case 'next': {
      const change = msg.payload && msg.payload.data && msg.payload.data.clientChanged;
      if (msg.id === '1' && change) live.onNext(change);
      break;
    }
    case 'ping':
      live.send({ type: 'pong', payload: msg.payload });
      break;
    case 'error':
      // The subscription was refused (e.g. FORBIDDEN): trying again will not help.
      live.stopped = true;
      live.ws.close(1000);
      break;
    case 'complete':
      live.ws.close(1000);
      break;
    default:
      break;
  }
}
