// The public GraphQL API: sessions, POST /graphql, and the live client list over
// /graphql/ws (graphql-transport-ws).

// The fields every page knows the signed-in user by.
export const ME = 'id email name role active clientScope account { id companyId name kind platform accessReasonRequired }';
// Whether a user (of ME's fields) is its account's owner or an admin.
export const isAdmin = (u) => u && (u.role === 'OWNER' || u.role === 'ADMIN');

// What this tab remembers of the signed-in person, to draw pages without asking first.
// The sessions themselves are cookies the page cannot read (HttpOnly): a new tab or a
// restarted browser is still signed in, and `session.restore()` asks who it is.
const KEYS = {
  user: 'pd.user',
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
  signedIn: () => Boolean(read(KEYS.user)),
  user: () => read(KEYS.user),
  setUser: (user) => write(KEYS.user, user),
  signIn(auth) {
    write(KEYS.user, auth.user);
    session.clearClient();
  },
  clear() {
    Object.values(KEYS).forEach((k) => sessionStorage.removeItem(k));
  },
  inClient: () => Boolean(read(KEYS.clientUser)),
  clientUser: () => read(KEYS.clientUser),
  clientRow: () => read(KEYS.clientRow),
  setClientUser: (user) => write(KEYS.clientUser, user),
  enterClient(auth, row) {
    write(KEYS.clientUser, auth.user);
    write(KEYS.clientRow, { id: row.id, name: row.name, email: row.email });
  },
  clearClient() {
    [KEYS.clientUser, KEYS.clientRow].forEach((k) => sessionStorage.removeItem(k));
  },
  // A tab that remembers nobody (a new tab, a restarted browser) asks the API who its
  // cookies belong to, for both sessions.
  async restore() {
    if (read(KEYS.user)) return;
    try {
      const d = await gql(`{ me { ${ME} } }`, {}, { auth: 'none' });
      if (!d.me) return;
      write(KEYS.user, d.me);
      const c = await gql(`{ me { ${ME} } }`, {}, { auth: 'client' }).catch(() => null);
      if (c && c.me && c.me.account.kind === 'CLIENT') {
        write(KEYS.clientUser, c.me);
        write(KEYS.clientRow, { id: null, name: c.me.account.name, email: c.me.email });
      }
    } catch {
      /* offline: the page asks again when it loads its data */
    }
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

let onEnrolmentRequired = () => {};
// Called when the firm requires a second factor this person has not added yet.
export function whenEnrolmentRequired(fn) {
  onEnrolmentRequired = fn;
}

let onSessionEnded = () => {};
// Called with 'main' or 'client' when the API says a session we sent has ended.
export function whenSessionEnds(fn) {
  onSessionEnded = fn;
}

// Runs one GraphQL document. `auth`: 'main' (default), 'client' or 'none'.
// `auth: 'none'` still names the main session: a log-in's answer sets its cookie.
// `quiet`: an ended session is this call's own business (logging out), not news.
export async function gql(query, variables = {}, { auth = 'main', quiet = false } = {}) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    // Asks for the session cookie; a page of another site cannot send this header.
    'x-partner-dashboard': auth === 'client' ? 'client' : 'main',
  };
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: 'same-origin',
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
    // A session this tab no longer holds (it logged out meanwhile) ending is not news.
    const held = auth === 'client' ? session.inClient() : auth === 'main' && session.signedIn();
    if (!quiet && held && err.code === 'UNAUTHENTICATED') onSessionEnded(auth);
    if (err.code === 'SECOND_FACTOR_ENROLMENT_REQUIRED') onEnrolmentRequired();
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
export function liveClients({ session: which = 'main', query, onNext, onReconnect, onEnd }) {
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
    // The session cookie goes with the upgrade; connection_init names which one.
    ws.onopen = () => live.send({ type: 'connection_init', payload: { session: which } });
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
