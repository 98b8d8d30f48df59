// "/multi?cameras=a,b&t=<unix time>": the same moment on several cameras' recordings side
// by side, kept on one wall time by multi_sync.js (one play/pause, ±10 s, one clock).
// Without `cameras` it chooses every camera with recordings in the hour around t (GET
// /api/<camera>/recordings); without `t`, a minute ago. Linked from the Timeline page
// ("All cameras at this time") and the menu.
import { useEffect, useRef, useState } from 'preact/hooks';
import { request, useConfig } from './api.js';
import { ErrorBox, fmtClock, Loading, usePageTitle, useShortcuts } from './components.jsx';
import { SyncGroup } from './multi_sync.js';
import { Link, navigate } from './router.jsx';
import { dayString } from './timeline.jsx';
import { WINDOW_SECONDS } from './vod_player.js';

const when = (t) => `${new Date(t * 1000).toLocaleDateString()} ${fmtClock(t)}`;

export function Multi({ search }) {
  usePageTitle('Side by side');
  const { config, error, reload } = useConfig();
  const q = new URLSearchParams(search);
  const [fallback] = useState(() => Math.floor(Date.now() / 1000) - 60);
  const t = Number(q.get('t')) || fallback;
  const listed = q.get('cameras'); // null: not chosen yet
  const all = config ? Object.keys(config.cameras || {}) : [];
  const [defaultError, setDefaultError] = useState(null);

  // No choice in the URL: every camera with recordings around t.
  useEffect(() => {
    if (!config || listed !== null) return;
    const params = { after: Math.floor(t - WINDOW_SECONDS / 2), before: Math.ceil(t + WINDOW_SECONDS / 2) };
    Promise.all(all.map((c) => request(`api/${encodeURIComponent(c)}/recordings`, { params })))
      .then((lists) => {
        const chosen = all.filter((c, i) => lists[i].length);
        navigate(`/multi?cameras=${chosen.map(encodeURIComponent).join(',')}&t=${Math.round(t)}`, { replace: true });
      })
      .catch(setDefaultError);
  }, [config, listed]);

  if (error) return <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />;
  if (defaultError) return <ErrorBox error={defaultError} what="Cannot list the recordings" />;
  if (!config || listed === null) return <Loading what="Looking for recordings" />;
  const chosen = listed.split(',').filter((c) => all.includes(c)); // (camera names hold no comma)
  return <Side all={all} chosen={chosen} t={t} />;
}

function Side({ all, chosen, t }) {
  const [clock, setClock] = useState({ wall: t, leader: null }); // the shared time display
  const [playing, setPlaying] = useState(true); // the group's play/pause, for the button's label
  const group = useRef(null); // the SyncGroup of this page
  if (!group.current) group.current = new SyncGroup(t, (wall, leader) => setClock({ wall, leader }));
  const g = group.current;
  g.order = chosen;
  useEffect(() => () => g.destroy(), []);

  // A new t in the URL (a link followed while on the page) moves every camera there;
  // the t written below when the choice changes is the current time and moves nothing.
  useEffect(() => {
    if (Math.abs(t - g.wall) > 2) g.seek(t);
  }, [t]);

  const choose = (camera, on) => {
    const next = all.filter((c) => (c === camera ? on : chosen.includes(c)));
    navigate(`/multi?cameras=${next.map(encodeURIComponent).join(',')}&t=${Math.round(g.wall)}`, { replace: true });
  };
  const toggle = () => {
    g.toggle();
    setPlaying(g.playing);
  };

  // Keys as on the Timeline page: space play/pause, j/l ∓10 s.
  useShortcuts({ ' ': toggle, j: () => g.step(-10), l: () => g.step(10) });

  return (
    <>
      <div class="tl-head">
        <h1>Side by side</h1>
        <fieldset class="multi-pick">
          <legend>Cameras</legend>
          {all.map((c) => (
            <label key={c} class="check">
              <input type="checkbox" checked={chosen.includes(c)} onChange={(e) => choose(c, e.target.checked)} /> {c}
            </label>
          ))}
        </fieldset>
      </div>
      <div class="tl-controls" role="toolbar" aria-label="Playback of all cameras">
        <button type="button" onClick={() => g.step(-10)} title="Back 10 s (j)">
          −10 s
        </button>
        <button type="button" onClick={toggle} title="Play/pause (space)" data-testid="multi-play">
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => g.step(10)} title="Forward 10 s (l)">
          +10 s
        </button>
        <span class="tl-clock" data-testid="multi-clock" data-wall={clock.wall.toFixed(3)}>
          {when(clock.wall)}
        </span>
        <span class="muted small">{clock.leader ? `following ${clock.leader}` : ''}</span>
      </div>
      {chosen.length ? (
        <ul class="multi-grid">
          {chosen.map((c) => (
            <Tile key={c} camera={c} group={g} toggle={toggle} />
          ))}
        </ul>
      ) : (
        <p class="notice">No camera chosen: tick one above (by default the page chooses those with recordings around the time).</p>
      )}
      <p class="muted small">keys: space play/pause, j/l ∓10 s</p>
    </>
  );
}

function Tile({ camera, group, toggle }) {
  const videoRef = useRef(null);
  const [s, setS] = useState({ state: 'loading' }); // what multi_sync.js says of this camera
  useEffect(() => {
    group.add(camera, videoRef.current, setS);
    return () => group.remove(camera);
  }, [camera]);
  return (
    <li class="card" data-testid="multi-tile" data-camera={camera} data-state={s.state}>
      <div class="multi-stage">
        <video
          ref={videoRef}
          muted
          playsInline
          data-testid="multi-video"
          hidden={s.state === 'none'}
          aria-label={`Recording of ${camera}`}
          onClick={toggle}
        />
        {s.state === 'none' && (
          <p class="multi-note" data-testid="multi-none">
            No recording at {fmtClock(s.at)}
          </p>
        )}
        {s.state === 'error' && (
          <p class="multi-note tl-problem" role="alert">
            {s.message}
          </p>
        )}
      </div>
      <div class="card-body">
        <h2>
          <Link to={`/timeline/${encodeURIComponent(camera)}?day=${dayString(group.wall)}`}>{camera}</Link>
        </h2>
      </div>
    </li>
  );
}
