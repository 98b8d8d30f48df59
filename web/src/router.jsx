// A history router in a few lines: paths are relative to `base`, links are ordinary
// <a href> elements (so opening in a new tab works) whose plain clicks become pushState.
import { useEffect, useState } from 'preact/hooks';
import { base } from './api.js';

const listeners = new Set();

export function currentPath() {
  let p = location.pathname;
  const b = base.replace(/\/$/, '');
  if (b && p.startsWith(b)) p = p.slice(b.length);
  return p || '/';
}

export const href = (path) => base.replace(/\/$/, '') + path;

export function navigate(path, { replace = false } = {}) {
  const target = href(path);
  if (target === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', target);
  listeners.forEach((l) => l());
}

export function useLocation() {
  const [loc, setLoc] = useState({ path: currentPath(), search: location.search });
  useEffect(() => {
    const on = () => setLoc({ path: currentPath(), search: location.search });
    listeners.add(on);
    addEventListener('popstate', on);
    return () => {
      listeners.delete(on);
      removeEventListener('popstate', on);
    };
  }, []);
  return loc;
}

// Matches "/events/:id" style patterns; returns the params or null.
export function match(pattern, path) {
  const pp = pattern.split('/');
  const ps = path.replace(/\/+$/, '').split('/');
  if (pattern === '/') return path === '/' || path === '' ? {} : null;
  if (pp.length !== ps.length) return null;
  const params = {};
  for (let i = 0; i < pp.length; i++) {
    if (pp[i].startsWith(':')) {
      if (!ps[i]) return null;
      params[pp[i].slice(1)] = decodeURIComponent(ps[i]);
    } else if (pp[i] !== ps[i]) return null;
  }
  return params;
}

export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={href(to)} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
