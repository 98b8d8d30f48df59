// vigil's web UI: one page app over the public HTTP API.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './style.css';
import { Camera } from './camera.jsx';
import { Cameras } from './cameras.jsx';
import { Debug } from './debug.jsx';
import { Editor } from './editor.jsx';
import { Event } from './event.jsx';
import { Events } from './events.jsx';
import { Login, logout } from './login.jsx';
import { Multi } from './multi.jsx';
import { Link, match, useLocation } from './router.jsx';
import { url } from './api.js';
import { Storage } from './storage.jsx';
import { Timeline } from './timeline.jsx';

const ROUTES = [
  ['/', () => <Cameras />],
  ['/cameras/:name', (p) => <Camera name={p.name} key={p.name} />],
  ['/cameras/:name/editor', (p) => <Editor name={p.name} key={p.name} />],
  ['/events', (p, search) => <Events search={search} />],
  ['/events/:id', (p) => <Event id={p.id} key={p.id} />],
  ['/timeline', (p, search) => <Timeline search={search} />],
  ['/timeline/:name', (p, search) => <Timeline name={p.name} search={search} key={p.name} />],
  ['/multi', (p, search) => <Multi search={search} />],
  ['/storage', () => <Storage />],
  ['/debug', () => <Debug />],
  ['/login', (p, search) => <Login search={search} />],
];

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the cameras</Link>
      </p>
    </>
  );
}

const NAV = [
  ['/', 'Cameras', (p) => p === '/' || p.startsWith('/cameras')],
  ['/events', 'Events', (p) => p.startsWith('/events')],
  ['/timeline', 'Timeline', (p) => p.startsWith('/timeline')],
  ['/multi', 'Side by side', (p) => p.startsWith('/multi')],
  ['/storage', 'Storage', (p) => p.startsWith('/storage')],
  ['/debug', 'Debug', (p) => p.startsWith('/debug')],
];

// Who is logged in (GET /api/profile; "anonymous" on a listener without authentication);
// null when nobody or no authentication.
function useProfile(path) {
  const [profile, setProfile] = useState(null);
  useEffect(() => {
    if (path === '/login') return;
    fetch(url('/api/profile'), { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((p) => setProfile(p && p.username && p.username !== 'anonymous' ? p : null))
      .catch(() => setProfile(null));
  }, [path === '/login']);
  return profile;
}

function App() {
  const { path, search } = useLocation();
  const profile = useProfile(path);
  const main = useRef(null);
  const first = useRef(true);
  // After a navigation, move focus to the new page (screen readers announce it) and
  // scroll to the top.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    main.current?.focus({ preventScroll: true });
  }, [path]);
  let page = null;
  for (const [pattern, view] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = view(params, search);
      break;
    }
  }
  return (
    <>
      <a href="#main" class="skip">
        Skip to content
      </a>
      <header class="top">
        <Link to="/" class="brand" aria-label="vigil home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <circle cx="16" cy="16" r="14" fill="#1f6feb" />
            <circle cx="16" cy="16" r="6" fill="#fff" />
          </svg>
          vigil
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label, active]) => (
              <li key={to}>
                <Link to={to} aria-current={active(path) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        {profile && (
          <span class="who">
            {profile.username}{' '}
            <a
              href={url('/login')}
              onClick={(e) => {
                e.preventDefault();
                logout();
              }}
            >
              Log out
            </a>
          </span>
        )}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page || <NotFound />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
