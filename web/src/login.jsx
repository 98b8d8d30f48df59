// The login page of the authenticated listener (docs/auth.md): the server's gate sends
// every page to /login?next=<path> until a `frigate_token` cookie is set.
import { useState } from 'preact/hooks';
import { url } from './api.js';
import { href } from './router.jsx';

// Where to go after the login: `next` when it is a path of this site, else the cameras.
function nextPath(search) {
  const next = new URLSearchParams(search).get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function Login({ search }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const res = await fetch(url('/api/login'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user, password }),
        credentials: 'same-origin',
      });
      if (res.ok) {
        location.replace(href(nextPath(search)));  // a full load: the header learns who is logged in
        return;
      }
      if (res.status === 429) {
        const n = parseInt(res.headers.get('Retry-After') || '', 10);
        setError(`Too many attempts, retry in ${Number.isFinite(n) ? n : 60} s.`);
      } else if (res.status === 401) {
        setError('Wrong user name or password.');
      } else {
        setError(`Login failed (${res.status} ${res.statusText}).`);
      }
    } catch {
      setError('Cannot reach vigil (network error).');
    }
    setPassword('');
    setBusy(false);
  };
  return (
    <section class="login">
      <h1>Log in</h1>
      <form onSubmit={submit}>
        <label>
          User
          <input name="user" autocomplete="username" required value={user} onInput={(e) => setUser(e.target.value)} />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </section>
  );
}

// Logs out (the server clears the cookie) and shows the login page.
export async function logout() {
  try {
    await fetch(url('/api/logout'), { method: 'POST', credentials: 'same-origin' });
  } finally {
    location.replace(href('/login'));
  }
}
