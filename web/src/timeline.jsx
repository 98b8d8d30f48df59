// "/timeline/:camera?day=YYYY-MM-DD": a camera's day of recordings. A 24 h bar (zoomable)
// with the recorded spans, the gaps between them and the events; click or drag on it to
// play from that time (HLS under /vod/, vod_player.js), a playhead that follows playback,
// next/previous event, ±10 s, keys, zoom and pan, and an export of a range marked on the bar
// (exports.jsx). Data: GET /api/<camera>/recordings and /api/events for the day (local
// time), both on every listener. The motion lane draws each recording file's `motion`
// (vigil's motion activity: the motion boxes' area summed over its frames), spread over
// the file's duration, per bin of the view, as a share of the view's busiest bin.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApi, useConfig } from './api.js';
import { ErrorBox, fmtClock, Loading, usePageTitle, useShortcuts } from './components.jsx';
import { Exports } from './exports.jsx';
import { Link, navigate } from './router.jsx';
import { VodPlayer } from './vod_player.js';

const pad = (n) => String(n).padStart(2, '0');
export const dayString = (t) => {
  const d = new Date(t * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
// Local midnight of "YYYY-MM-DD" shifted by `days` (Date handles DST and month ends).
const midnight = (day, days = 0) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + days).getTime() / 1000;
};
const clock = fmtClock;

const GAP = 2; // seconds between two recording files that still count as one span
const MIN_VIEW = 300; // the narrowest zoom, seconds
const TICKS = [60, 300, 600, 1800, 3600, 7200, 10800];

const MOTION_BINS = 240; // bars of the motion lane across the view

// Recording files → the motion lane of [from, to): [{start, level 0–1}] for bins of
// (to − from) / MOTION_BINS with motion, each file's motion spread evenly over its duration.
function motionBins(recs, from, to) {
  const w = (to - from) / MOTION_BINS;
  const bins = new Map();
  for (const r of recs) {
    const dur = r.end_time - r.start_time;
    if (!(r.motion > 0) || dur <= 0 || r.end_time <= from || r.start_time >= to) continue;
    const a = Math.max(r.start_time, from);
    const b = Math.min(r.end_time, to);
    for (let i = Math.floor((a - from) / w); i < MOTION_BINS && from + i * w < b; i++) {
      const overlap = Math.min(b, from + (i + 1) * w) - Math.max(a, from + i * w);
      if (overlap > 0) bins.set(i, (bins.get(i) || 0) + (r.motion * overlap) / dur);
    }
  }
  const max = Math.max(0, ...bins.values());
  return [...bins].map(([i, m]) => ({ start: from + i * w, level: m / max }));
}

// Recording files (any order) → [[start, end]] spans, oldest first.
function spansOf(recs) {
  const out = [];
  for (const r of [...recs].sort((a, b) => a.start_time - b.start_time)) {
    const last = out[out.length - 1];
    if (last && r.start_time <= last[1] + GAP) last[1] = Math.max(last[1], r.end_time);
    else out.push([r.start_time, r.end_time]);
  }
  return out;
}

export function Timeline({ name, search }) {
  usePageTitle(name ? `Timeline · ${name}` : 'Timeline');
  const { config, error, reload } = useConfig();
  const cameras = config ? Object.keys(config.cameras || {}) : [];
  useEffect(() => {
    if (!name && cameras.length) navigate(`/timeline/${encodeURIComponent(cameras[0])}`, { replace: true });
  }, [name, cameras.length]);
  if (error) return <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />;
  if (!config) return <Loading what="Loading cameras" />;
  if (!cameras.length) return <p>No cameras.</p>;
  if (!name) return null;
  if (!config.cameras[name]) {
    return (
      <>
        <h1>Camera not found</h1>
        <p>
          <Link to="/timeline">Back to the timeline</Link>
        </p>
      </>
    );
  }
  const day = new URLSearchParams(search).get('day') || dayString(Date.now() / 1000);
  return <Day key={`${name} ${day}`} camera={name} cameras={cameras} day={day} clips={config.cameras[name].clips || {}} />;
}

function Day({ camera, cameras, day, clips }) {
  const ds = midnight(day);
  const de = midnight(day, 1);
  const today = Date.now() / 1000 < de && Date.now() / 1000 >= ds;
  const refresh = today ? 15000 : undefined;
  const recs = useApi(`api/${encodeURIComponent(camera)}/recordings`, { params: { after: ds, before: de }, refresh });
  const evs = useApi('api/events', {
    params: { camera, after: ds, before: de, limit: 10000, include_thumbnails: 0 },
    refresh,
  });
  const spans = useMemo(() => spansOf(recs.data || []), [recs.data]);
  const events = useMemo(() => [...(evs.data || [])].sort((a, b) => a.start_time - b.start_time), [evs.data]);

  const [view, setView] = useState([ds, de]); // the visible part of the day [from, to]
  const [wall, setWall] = useState(null); // the playhead's wall time (display; ~4 Hz)
  const [scrub, setScrub] = useState(null); // the time under a drag in progress
  const [playing, setPlaying] = useState(false);
  const [problem, setProblem] = useState(null); // playback message for the user
  const [sel, setSel] = useState({ in: null, out: null }); // export range being marked
  const videoRef = useRef(null);
  const barRef = useRef(null);
  const headRef = useRef(null);
  const player = useRef(null); // the VodPlayer of this camera
  const wallRef = useRef(null); // the playhead's wall time, exact (read by the handlers)

  useEffect(() => {
    const p = new VodPlayer(videoRef.current, camera, { onError: setProblem });
    player.current = p;
    return () => p.destroy();
  }, [camera]);

  const pct = (t) => `${(((t - view[0]) / (view[1] - view[0])) * 100).toFixed(4)}%`;

  // The playhead follows playback frame by frame (its style directly, no re-render);
  // the time display and the view follow a few times a second.
  useEffect(() => {
    const video = videoRef.current;
    let raf = 0;
    let shown = 0;
    const tick = () => {
      const w = player.current?.wallAt(video.currentTime);
      if (w !== null && w !== undefined) {
        wallRef.current = w;
        const head = headRef.current;
        head.style.left = pct(w);
        head.dataset.wall = w.toFixed(3);
        head.hidden = w < view[0] || w > view[1];
        if (performance.now() - shown > 250) {
          shown = performance.now();
          setWall(w);
        }
      }
      if (!video.paused) raf = requestAnimationFrame(tick);
    };
    const onPlay = () => {
      setPlaying(true);
      setProblem(null);
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(tick);
    };
    const onPause = () => {
      setPlaying(false);
      tick();
    };
    // The end of a window: go on with the next one while newer recordings exist.
    const onEnded = () => {
      const span = player.current?.span;
      if (span && spans.some((s) => s[1] > span[1] + 1)) playAt(span[1] + 0.1);
    };
    video.addEventListener('play', onPlay);
    video.addEventListener('pause', onPause);
    video.addEventListener('seeked', tick);
    video.addEventListener('ended', onEnded);
    tick();
    return () => {
      cancelAnimationFrame(raf);
      video.removeEventListener('play', onPlay);
      video.removeEventListener('pause', onPause);
      video.removeEventListener('seeked', tick);
      video.removeEventListener('ended', onEnded);
    };
  }, [view[0], view[1], spans]);

  // Zoomed in, the view keeps the playhead in sight, unless the user panned away from it
  // (until the next play from a time or zoom).
  const follow = useRef(true);
  useEffect(() => {
    if (!follow.current || wall === null || (wall >= view[0] && wall <= view[1])) return;
    const w = view[1] - view[0];
    const from = Math.max(ds, Math.min(de - w, wall - w * 0.1));
    setView([from, from + w]);
  }, [wall]);

  async function playAt(t) {
    follow.current = true;
    setProblem(null);
    try {
      await player.current.playAt(t);
    } catch (e) {
      setProblem(e.message);
    }
  }

  const timeAtX = (clientX) => {
    const r = barRef.current.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / r.width));
    return view[0] + f * (view[1] - view[0]);
  };
  const onPointerDown = (e) => {
    if (e.button !== 0) return;
    barRef.current.setPointerCapture(e.pointerId);
    setScrub(timeAtX(e.clientX));
  };
  const onPointerMove = (e) => {
    if (scrub !== null) setScrub(timeAtX(e.clientX));
  };
  const onPointerUp = (e) => {
    if (scrub === null) return;
    const t = timeAtX(e.clientX);
    setScrub(null);
    playAt(t);
  };

  const now = () => wallRef.current ?? spans[0]?.[0] ?? ds;
  const nextEvent = () => {
    const e = events.find((x) => x.start_time > now() + 0.5);
    if (e) playAt(e.start_time);
  };
  const prevEvent = () => {
    const e = [...events].reverse().find((x) => x.start_time < now() - 1);
    if (e) playAt(e.start_time);
  };
  const step = (s) => playAt(now() + s);
  const toggle = () => {
    const v = videoRef.current;
    if (!player.current.span) playAt(now());
    else if (v.paused) {
      follow.current = true;
      v.play().catch(() => {});
    } else v.pause();
  };
  // The event at the playhead (or the last one before it): its range with the camera's
  // clip padding.
  const eventRange = () => {
    const t = now();
    const e = [...events].reverse().find((x) => x.start_time <= t + 0.5);
    if (e) setSel({ in: e.start_time - (clips.pre_capture ?? 5), out: (e.end_time || t) + (clips.post_capture ?? 5) });
  };

  // Keys: space play/pause, n/p or →/← next/previous event, j/l ∓10 s.
  useShortcuts({
    ' ': toggle,
    n: nextEvent,
    ArrowRight: nextEvent,
    p: prevEvent,
    ArrowLeft: prevEvent,
    j: () => step(-10),
    l: () => step(10),
  });

  const zoom = (f) => {
    follow.current = true;
    const w = Math.min(de - ds, Math.max(MIN_VIEW, (view[1] - view[0]) * f));
    const c = wallRef.current ?? (view[0] + view[1]) / 2;
    const from = Math.max(ds, Math.min(de - w, c - w / 2));
    setView([from, from + w]);
  };

  // Moves a zoomed view by half its width, within the day.
  const pan = (dir) => {
    follow.current = false;
    const w = view[1] - view[0];
    const from = Math.max(ds, Math.min(de - w, view[0] + (dir * w) / 2));
    setView([from, from + w]);
  };

  const width = view[1] - view[0];
  const tickStep = TICKS.find((s) => width / s <= 12) || 10800;
  const ticks = [];
  for (let t = ds + Math.ceil((view[0] - ds) / tickStep) * tickStep; t <= view[1]; t += tickStep)
    if (t - view[0] > width * 0.03 && view[1] - t > width * 0.03) ticks.push(t); // no label cut at an edge
  const visible = (a, b) => b >= view[0] && a <= view[1];
  const motion = useMemo(() => motionBins(recs.data || [], view[0], view[1]), [recs.data, view[0], view[1]]);
  const recorded = spans.reduce((n, s) => n + s[1] - s[0], 0);
  const selOk = sel.in !== null && sel.out !== null && sel.out > sel.in;

  return (
    <>
      <div class="tl-head">
        <h1>Timeline</h1>
        <label class="field">
          Camera
          <select value={camera} onChange={(e) => navigate(`/timeline/${encodeURIComponent(e.target.value)}?day=${day}`)}>
            {cameras.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <div class="tl-day" role="group" aria-label="Day">
          <button
            type="button"
            aria-label="Previous day"
            onClick={() => navigate(`/timeline/${encodeURIComponent(camera)}?day=${dayString(midnight(day, -1) + 3600)}`)}
          >
            ‹ Previous
          </button>
          <input
            type="date"
            aria-label="Day"
            value={day}
            onChange={(e) => e.target.value && navigate(`/timeline/${encodeURIComponent(camera)}?day=${e.target.value}`)}
          />
          <button
            type="button"
            disabled={today}
            aria-label="Next day"
            onClick={() => navigate(`/timeline/${encodeURIComponent(camera)}?day=${dayString(midnight(day, 1) + 3600)}`)}
          >
            Next ›
          </button>
        </div>
      </div>

      <div class="tl-player">
        <video ref={videoRef} class="tl-video" muted playsInline data-testid="tl-video" onClick={toggle} />
        {!player.current?.span && !problem && <p class="tl-hint muted">Click or drag on the bar below to play from that time.</p>}
        {problem && (
          <p class="tl-problem" role="alert">
            {problem}
          </p>
        )}
      </div>

      <div class="tl-controls" role="toolbar" aria-label="Playback">
        <button type="button" onClick={prevEvent} title="Previous event (p or ←)" data-testid="tl-prev">
          « Event
        </button>
        <button type="button" onClick={() => step(-10)} title="Back 10 s (j)">
          −10 s
        </button>
        <button type="button" onClick={toggle} title="Play/pause (space)" data-testid="tl-play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => step(10)} title="Forward 10 s (l)">
          +10 s
        </button>
        <button type="button" onClick={nextEvent} title="Next event (n or →)" data-testid="tl-next">
          Event »
        </button>
        <span class="tl-clock" data-testid="tl-clock" aria-live="off">
          {wall !== null ? clock(wall) : '--:--:--'}
        </span>
        <Link to={`/multi?t=${Math.round(now())}`} data-testid="tl-multi">
          All cameras at this time
        </Link>
        <span class="tl-zoom">
          <button type="button" onClick={() => pan(-1)} disabled={view[0] <= ds} aria-label="Earlier">
            ‹
          </button>
          <button type="button" onClick={() => pan(1)} disabled={view[1] >= de} aria-label="Later">
            ›
          </button>
          <button type="button" onClick={() => zoom(0.25)} disabled={width <= MIN_VIEW} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => zoom(4)} disabled={width >= de - ds} aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => setView([ds, de])} disabled={width >= de - ds}>
            Day
          </button>
        </span>
      </div>

      {(recs.error || evs.error) && <ErrorBox error={recs.error || evs.error} what="Cannot load the day (retrying)" />}
      <div
        ref={barRef}
        class={`tl-bar${scrub !== null ? ' scrubbing' : ''}`}
        data-testid="tl-bar"
        data-view-start={view[0]}
        data-view-end={view[1]}
        data-day-start={ds}
        data-day-end={de}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setScrub(null)}
        aria-label={`Recordings of ${camera} on ${day}: click or drag to play`}
      >
        {spans.filter((s) => visible(s[0], s[1])).map((s) => (
          <div
            key={s[0]}
            class="tl-span"
            data-testid="tl-span"
            data-start={s[0]}
            data-end={s[1]}
            title={`recorded ${clock(s[0])}–${clock(s[1])}`}
            style={{ left: pct(Math.max(s[0], view[0])), width: pct(view[0] + Math.min(s[1], view[1]) - Math.max(s[0], view[0])) }}
          />
        ))}
        {motion.map((m) => (
          <div
            key={m.start}
            class="tl-motion"
            data-testid="tl-motion"
            data-start={m.start.toFixed(1)}
            data-level={m.level.toFixed(3)}
            style={{ left: pct(m.start), width: `${(100 / MOTION_BINS).toFixed(4)}%`, height: `${(m.level * 55).toFixed(2)}%` }}
          />
        ))}
        {events.filter((e) => visible(e.start_time, e.end_time || e.start_time)).map((e) => (
          <button
            type="button"
            key={e.id}
            class="tl-event"
            data-testid="tl-event"
            data-start={e.start_time}
            title={`${e.label} ${clock(e.start_time)}`}
            aria-label={`${e.label} at ${clock(e.start_time)}`}
            style={{ left: pct(e.start_time), width: pct(view[0] + Math.max(0, (e.end_time || e.start_time) - e.start_time)) }}
            onPointerDown={(ev) => ev.stopPropagation()}
            onClick={() => playAt(e.start_time)}
          />
        ))}
        {selOk && visible(sel.in, sel.out) && (
          <div class="tl-sel" style={{ left: pct(Math.max(sel.in, view[0])), width: pct(view[0] + Math.min(sel.out, view[1]) - Math.max(sel.in, view[0])) }} />
        )}
        <div ref={headRef} class="tl-playhead" data-testid="tl-playhead" hidden />
        {scrub !== null && (
          <div class="tl-scrub" style={{ left: pct(scrub) }}>
            <span>{clock(scrub)}</span>
          </div>
        )}
      </div>
      <div class="tl-ticks" aria-hidden="true">
        {ticks.map((t, i) => (
          <span key={t} class={i % 2 ? 'odd' : ''} style={{ left: pct(t) }}>
            {clock(t).slice(0, 5)}
          </span>
        ))}
      </div>
      <p class="muted small" data-testid="tl-summary">
        {recs.data ? `${(recorded / 3600).toFixed(1)} h recorded in ${spans.length} span${spans.length === 1 ? '' : 's'}` : 'Loading recordings…'}
        {evs.data ? ` · ${events.length} event${events.length === 1 ? '' : 's'}` : ''} · keys: space play/pause, n/p next/previous
        event, j/l ∓10 s · the light bars are motion
      </p>

      <Exports
        camera={camera}
        sel={sel}
        selOk={selOk}
        markIn={() => setSel((s) => ({ ...s, in: now() }))}
        markOut={() => setSel((s) => ({ ...s, out: now() }))}
        eventRange={eventRange}
        clear={() => setSel({ in: null, out: null })}
      />
    </>
  );
}
