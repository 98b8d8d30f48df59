// Talking to vigil's public HTTP API (the same calls a script would make).
import { useEffect, useRef, useState } from 'preact/hooks';

// Behind a reverse proxy (Home Assistant ingress) vigil injects window.baseUrl, the
// prefix every URL of the app and the API lives under; otherwise it is "/".
export const base = (typeof window !== 'undefined' && window.baseUrl) || '/';

export const url = (path, params) => {
  let u = base + path.replace(/^\//, '');
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) u += (u.includes('?') ? '&' : '?') + s;
  }
  return u;
};

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// fetch with a timeout; aborts (and rejects with AbortError) when `signal` fires.
export async function request(path, { params, signal, timeout = 10000, as = 'json' } = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new ApiError('The server did not answer in time', 0)), timeout);
  const onAbort = () => ctl.abort(signal.reason);
  signal?.addEventListener('abort', onAbort);
  try {
    let res;
    try {
      res = await fetch(url(path, params), { signal: ctl.signal });
    } catch (e) {
      if (ctl.signal.reason instanceof ApiError) throw ctl.signal.reason;
      if (signal?.aborted) throw e;
      throw new ApiError('Cannot reach vigil (network error)', 0);
    }
    if (!res.ok) {
      let msg = `${res.status} ${res.statusText}`;
      try {
        const t = await res.text();
        try {
          msg = JSON.parse(t).message || msg;
        } catch {
          if (t) msg = t;
        }
      } catch {
        /* keep the status text */
      }
      throw new ApiError(msg, res.status);
    }
    return as === 'blob' ? await res.blob() : as === 'text' ? await res.text() : await res.json();
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

export const isAbort = (e) => e?.name === 'AbortError' && !(e instanceof ApiError);

// Loads `path` (re-loads when `key` changes, and every `refresh` ms when given).
// Returns {data, error, loading, reload}. Previous data stays while re-loading.
export function useApi(path, { params, refresh, enabled = true } = {}) {
  const key = path + JSON.stringify(params || {});
  const [state, setState] = useState({ data: undefined, error: null, loading: enabled, key });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    const ctl = new AbortController();
    let timer;
    setState((s) => ({ ...s, loading: true, data: s.key === key ? s.data : undefined, key }));
    request(path, { params, signal: ctl.signal })
      .then((data) => setState({ data, error: null, loading: false, key }))
      .catch((error) => {
        if (!isAbort(error)) setState((s) => ({ ...s, error, loading: false }));
      })
      .finally(() => {
        if (refresh && !ctl.signal.aborted) timer = setTimeout(() => setTick((t) => t + 1), refresh);
      });
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [key, tick, enabled]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

// The /api/config document is needed by most pages: loaded once and shared.
let configPromise = null;
export function loadConfig(force = false) {
  if (!configPromise || force) {
    configPromise = request('api/config').catch((e) => {
      configPromise = null;
      throw e;
    });
  }
  return configPromise;
}

export function useConfig() {
  const [state, setState] = useState({ config: null, error: null });
  const [tick, setTick] = useState(0);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    loadConfig(tick > 0)
      .then((config) => mounted.current && setState({ config, error: null }))
      .catch((error) => mounted.current && setState({ config: null, error }));
    return () => {
      mounted.current = false;
    };
  }, [tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function useDocumentHidden() {
  const [hidden, setHidden] = useState(typeof document !== 'undefined' && document.hidden);
  useEffect(() => {
    const on = () => setHidden(document.hidden);
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return hidden;
}

// A write (POST/PATCH/DELETE) with an optional JSON body; resolves to the JSON answer,
// rejects with the server's message (a viewer gets 403 from the authentication gate).
export async function send(method, path, body) {
  let res;
  try {
    res = await fetch(url(path), {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('Cannot reach vigil (network error)', 0);
  }
  let j = null;
  try {
    j = await res.json();
  } catch {
    /* not JSON: the status says it */
  }
  if (!res.ok || j?.success === false) throw new ApiError(j?.message || `${res.status} ${res.statusText}`, res.status);
  return j;
}
