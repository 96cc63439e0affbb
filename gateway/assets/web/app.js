// The app's entry (index.html loads it; no module imports it): starts the router on
// #app and listens for what concerns every page: same-origin links, the back button,
// a session the API ended, an API error nothing caught.

import { session, whenSessionEnds, whenEnrolmentRequired } from './api.js';
import { toast } from './dom.js';
import { router } from './router.js';
import { routes } from './routes.js';

const { navigate, render } = router(document.getElementById('app'), routes);

// Same-origin links navigate inside the app.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.hasAttribute('data-native')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/web/') || url.pathname.startsWith('/graphiql')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render(true));

whenEnrolmentRequired(() => {
  if (location.pathname !== '/security') navigate('/security', { replace: true, message: 'Your firm requires a second factor: add an authenticator app to go on.' });
});

whenSessionEnds((which) => {
  if (which === 'client') {
    session.clearClient();
    navigate('/', { replace: true, message: 'The client session ended (client sessions last one hour). You are back in your partner dashboard.' });
  } else {
    session.clear();
    navigate('/login', { replace: true, message: 'Your session ended. Please log in again.' });
  }
});

window.addEventListener('unhandledrejection', (ev) => {
  // API errors are shown where they happen; do not let a stray one reach the console.
  if (ev.reason && ev.reason.code !== undefined) {
    ev.preventDefault();
    toast(ev.reason.message, 'error');
  }
});

// A new tab or a restarted browser is still signed in (cookies): learn who first.
session.restore().then(() => render(false));
