// "/events": finished events, newest first, filtered through the URL's query string
// (so a filtered list can be bookmarked), loaded page by page with `before`.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, request, url, useApi, useConfig } from './api.js';
import { ErrorBox, fmtDuration, fmtScore, fmtShortTime, Loading, usePageTitle } from './components.jsx';
import { Link, navigate } from './router.jsx';

const PAGE = 25;
const FILTERS = ['camera', 'label', 'zone', 'has_clip', 'has_snapshot'];

export function EventList({ events }) {
  return (
    <ol class="events" data-testid="events">
      {events.map((e) => (
        <li key={e.id} class="event" data-event-id={e.id}>
          <Link to={`/events/${encodeURIComponent(e.id)}`} class="event-link">
            <img
              src={url(`api/events/${encodeURIComponent(e.id)}/thumbnail.jpg`)}
              alt={`${e.label} on ${e.camera}`}
              width="88"
              height="88"
              loading="lazy"
              decoding="async"
            />
            <span class="event-main">
              <span class="event-title">
                <strong data-field="label">{e.label}</strong> on <span data-field="camera">{e.camera}</span>
              </span>
              <span class="muted">
                <time dateTime={new Date(e.start_time * 1000).toISOString()}>{fmtShortTime(e.start_time)}</time>
                {' · '}
                {fmtDuration(e.end_time - e.start_time)}
                {' · '}
                <span title="top score">{fmtScore(e.top_score)}</span>
              </span>
              <span class="tags">
                {e.zones?.map((z) => (
                  <span key={z} class="badge zone" data-field="zone">
                    {z}
                  </span>
                ))}
                {e.has_clip && <span class="badge clip">clip</span>}
                {e.has_snapshot && <span class="badge snap">snapshot</span>}
              </span>
            </span>
          </Link>
        </li>
      ))}
    </ol>
  );
}

function useEventPages(filters) {
  const key = JSON.stringify(filters);
  const [st, setSt] = useState({ key, events: [], done: false, loading: false, error: null });
  const inflight = useRef(null);
  const loadMore = (reset = false) => {
    if (inflight.current && !reset) return;
    inflight.current?.abort();
    const ctl = new AbortController();
    inflight.current = ctl;
    setSt((s) => (reset ? { key, events: [], done: false, loading: true, error: null } : { ...s, loading: true, error: null }));
    const prev = reset ? [] : st.events;
    const last = prev[prev.length - 1];
    request('api/events', {
      params: { ...filters, limit: PAGE, include_thumbnails: 0, before: last ? last.start_time : undefined },
      signal: ctl.signal,
    })
      .then((page) => {
        inflight.current = null;
        const seen = new Set(prev.map((e) => e.id));
        const fresh = page.filter((e) => !seen.has(e.id));
        setSt({ key, events: prev.concat(fresh), done: page.length < PAGE || !fresh.length, loading: false, error: null });
      })
      .catch((error) => {
        if (isAbort(error)) return;
        inflight.current = null;
        setSt((s) => ({ ...s, loading: false, error }));
      });
  };
  useEffect(() => {
    loadMore(true);
    return () => inflight.current?.abort();
  }, [key]);
  return { ...st, loadMore };
}

function Select({ name, label, value, options, onChange }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select name={name} value={value} onChange={(e) => onChange(name, e.currentTarget.value)}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o[0]} value={o[0]}>
            {o[1]}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Events({ search }) {
  usePageTitle('Events');
  const q = new URLSearchParams(search);
  const filters = {};
  for (const f of FILTERS) if (q.get(f)) filters[f] = q.get(f);
  const { config } = useConfig();
  const summary = useApi('api/events/summary');
  const pages = useEventPages(filters);
  const sentinel = useRef(null);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || pages.done || pages.error) return undefined;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) pages.loadMore();
    }, { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [pages.events.length, pages.done, pages.error, pages.key]);

  const setFilter = (name, value) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    const s = next.toString();
    navigate(`/events${s ? `?${s}` : ''}`, { replace: true });
  };

  const sets = { camera: new Set(), label: new Set(), zone: new Set() };
  for (const c of Object.values(config?.cameras || {})) {
    sets.camera.add(c.name);
    (c.objects?.track || []).forEach((l) => sets.label.add(l));
    Object.keys(c.zones || {}).forEach((z) => sets.zone.add(z));
  }
  for (const g of summary.data || []) {
    sets.camera.add(g.camera);
    sets.label.add(g.label);
    g.zones.forEach((z) => sets.zone.add(z));
  }
  const opts = (s) => [...s].sort().map((v) => [v, v]);
  const yesNo = [
    ['1', 'Yes'],
    ['0', 'No'],
  ];
  const active = Object.keys(filters).length > 0;

  return (
    <>
      <h1>Events</h1>
      <form class="filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <Select name="camera" label="Camera" value={filters.camera || ''} options={opts(sets.camera)} onChange={setFilter} />
        <Select name="label" label="Label" value={filters.label || ''} options={opts(sets.label)} onChange={setFilter} />
        <Select name="zone" label="Zone" value={filters.zone || ''} options={opts(sets.zone)} onChange={setFilter} />
        <Select name="has_clip" label="Clip" value={filters.has_clip || ''} options={yesNo} onChange={setFilter} />
        <Select name="has_snapshot" label="Snapshot" value={filters.has_snapshot || ''} options={yesNo} onChange={setFilter} />
        {active && (
          <button type="button" class="link-button" onClick={() => navigate('/events', { replace: true })}>
            Clear filters
          </button>
        )}
      </form>
      <div aria-live="polite" aria-busy={pages.loading ? 'true' : 'false'}>
        {pages.events.length > 0 && <EventList events={pages.events} />}
        {!pages.loading && !pages.error && pages.done && !pages.events.length && (
          <p class="muted" data-testid="no-events">
            {active ? 'No events match these filters.' : 'No events yet.'}
          </p>
        )}
        {pages.error && <ErrorBox error={pages.error} retry={() => pages.loadMore()} what="Cannot load events" />}
        {pages.loading && <Loading what="Loading events" />}
        {!pages.done && !pages.error && (
          <div ref={sentinel} class="more">
            {!pages.loading && (
              <button type="button" onClick={() => pages.loadMore()}>
                Load older events
              </button>
            )}
          </div>
        )}
        {pages.done && pages.events.length > 0 && (
          <p class="muted small" data-testid="end">
            {pages.events.length} event{pages.events.length === 1 ? '' : 's'}, no older ones.
          </p>
        )}
      </div>
    </>
  );
}
