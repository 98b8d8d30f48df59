// Shared pieces: live camera image, loading and error states, formatting.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, request, useDocumentHidden } from './api.js';

// A camera's latest.jpg, refreshed: each image is fetched only after the previous one
// arrived (a slow link never piles up requests), every `interval` ms while the tab is
// visible and every `hiddenInterval` ms while it is hidden. Failed loads show a clear
// state and are retried with backoff; the last good image stays meanwhile.
export function LiveImage({ camera, params = {}, interval = 1000, hiddenInterval = 10000, alt, width, height, onFrame, imgRef }) {
  const [src, setSrc] = useState(null);
  const [error, setError] = useState(null);
  const hidden = useDocumentHidden();
  const key = JSON.stringify(params);
  const last = useRef(null);
  useEffect(() => {
    const ctl = new AbortController();
    let timer;
    let failures = 0;
    const load = async () => {
      try {
        const blob = await request(`api/${encodeURIComponent(camera)}/latest.jpg`, {
          params: { ...params, cache: Date.now() },
          signal: ctl.signal,
          as: 'blob',
        });
        const u = URL.createObjectURL(blob);
        if (last.current) URL.revokeObjectURL(last.current);
        last.current = u;
        setSrc(u);
        setError(null);
        failures = 0;
        onFrame?.();
        timer = setTimeout(load, hidden ? hiddenInterval : interval);
      } catch (e) {
        if (isAbort(e)) return;
        failures++;
        setError(e);
        timer = setTimeout(load, Math.min(30000, 1000 * 2 ** failures));
      }
    };
    load();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [camera, key, hidden, interval, hiddenInterval]);
  useEffect(
    () => () => {
      if (last.current) URL.revokeObjectURL(last.current);
    },
    [],
  );
  return (
    <div class="live" style={width && height ? { aspectRatio: `${width} / ${height}` } : undefined}>
      {src ? (
        <img ref={imgRef} src={src} alt={alt || `Live view of ${camera}`} width={width} height={height} data-testid="live" />
      ) : (
        !error && <div class="placeholder" role="status">Loading live view…</div>
      )}
      {error && (
        <div class="overlay-msg" role="status">
          {src ? 'Live view stalled: ' : 'No live view: '}
          {error.message}. Retrying…
        </div>
      )}
    </div>
  );
}

// "Loading…" only after a short delay, so fast answers do not flash.
export function Loading({ what = 'Loading' }) {
  const [show, setShow] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setShow(true), 250);
    return () => clearTimeout(t);
  }, []);
  return (
    <p class="muted" role="status" aria-live="polite">
      {show ? `${what}…` : ''}
    </p>
  );
}

export function ErrorBox({ error, retry, what }) {
  return (
    <div class="error" role="alert">
      <p>
        {what ? `${what}: ` : ''}
        {error?.message || String(error)}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export const fmtTime = (t) =>
  new Date(t * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// 24 h wall-clock time of day, "14:03:27".
export const fmtClock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour12: false });

export const fmtShortTime = (t) => {
  const d = new Date(t * 1000);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { timeStyle: 'medium' })
    : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
};

export function fmtDuration(s) {
  if (!(s >= 0)) return '–';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  if (m < 60) return `${m} min ${r} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const fmtScore = (s) => `${Math.round(s * 100)}%`;

export function usePageTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · vigil` : 'vigil';
  }, [title]);
}

export function OnOff({ on, label }) {
  return (
    <span class={`badge ${on ? 'on' : 'off'}`}>
      {label}: {on ? 'on' : 'off'}
    </span>
  );
}

// Page keyboard shortcuts: `keys` maps KeyboardEvent.key to an action. Ignored while
// typing in a field or with a modifier; a handled key neither scrolls the page nor
// clicks a focused button (the space bar clicks on keyup). The latest `keys` is used.
export function useShortcuts(keys) {
  const current = useRef(keys);
  current.current = keys;
  useEffect(() => {
    const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
    const down = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const act = current.current[e.key];
      if (!act) return;
      e.preventDefault();
      act();
    };
    const up = (e) => {
      if (e.key === ' ' && e.target?.tagName === 'BUTTON') e.preventDefault();
    };
    document.addEventListener('keydown', down);
    document.addEventListener('keyup', up);
    return () => {
      document.removeEventListener('keydown', down);
      document.removeEventListener('keyup', up);
    };
  }, []);
}
