// "/": every camera with its live image, state and the best image per tracked label.
// A tile plays live video while hovered, or always with the "Live video in grid" setting.
import { useEffect, useState } from 'preact/hooks';
import { url, useApi, useConfig } from './api.js';
import { ErrorBox, LiveImage, Loading, usePageTitle } from './components.jsx';
import { LiveVideo, stored } from './live.jsx';
import { Link } from './router.jsx';

// Marks the moment the grid is usable (read by the browser test's timing).
function markInteractive() {
  if (!performance.getEntriesByName('vigil-interactive').length) performance.mark('vigil-interactive');
}

export function CameraState({ stats }) {
  if (!stats) return null;
  const down = !(stats.camera_fps > 0);
  return (
    <span class={`badge ${down ? 'bad' : 'ok'}`} title="frames per second received / processed">
      {down ? 'no frames' : `${stats.camera_fps.toFixed(1)} fps`}
    </span>
  );
}

export function DownNotice({ stats }) {
  if (!stats || stats.camera_fps > 0) return null;
  return (
    <div class="overlay-msg" role="status">
      No frames from this camera right now: it is connecting or offline.
    </div>
  );
}

function BestImages({ camera, labels }) {
  const [stamp] = useState(() => Date.now());
  if (!labels?.length) return null;
  return (
    <ul class="best" aria-label={`Best images on ${camera}`}>
      {labels.map((label) => (
        <li key={label}>
          <img
            src={url(`api/${encodeURIComponent(camera)}/${encodeURIComponent(label)}/best.jpg`, { crop: 1, h: 150, cache: stamp })}
            alt={`Best ${label} image on ${camera}`}
            width="64"
            height="64"
            loading="lazy"
            decoding="async"
          />
          <span>{label}</span>
        </li>
      ))}
    </ul>
  );
}

function Tile({ c, stats, liveGrid }) {
  const [hover, setHover] = useState(false);
  const image = <LiveImage camera={c.name} params={{ h: Math.min(360, c.height) }} width={c.width} height={c.height} alt={`Live view of ${c.name}`} />;
  return (
    <Link
      to={`/cameras/${encodeURIComponent(c.name)}`}
      class="card-link"
      aria-label={`Camera ${c.name}`}
      tabIndex={-1}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
    >
      {liveGrid || hover ? <LiveVideo key={c.name} camera={c.name} width={c.width} height={c.height} fallback={image} compact /> : image}
      <DownNotice stats={stats} />
    </Link>
  );
}

export function Cameras() {
  usePageTitle('Cameras');
  const [liveGrid, setLiveGrid] = useState(() => stored('vigil.liveGrid') === '1');
  const toggleLive = () => {
    setLiveGrid(!liveGrid);
    try {
      localStorage.setItem('vigil.liveGrid', liveGrid ? '0' : '1');
    } catch {
      /* private mode: not remembered */
    }
  };
  const { config, error, reload } = useConfig();
  const stats = useApi('api/stats', { refresh: 5000 });
  useEffect(() => {
    if (config) markInteractive();
  }, [config]);
  if (error) return <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />;
  if (!config) return <Loading what="Loading cameras" />;
  const cams = Object.values(config.cameras || {});
  return (
    <>
      <div class="title-row">
        <h1>Cameras</h1>
        <label class="check">
          <input type="checkbox" checked={liveGrid} onChange={toggleLive} data-testid="live-grid" />
          Live video in grid
        </label>
      </div>
      {!cams.length && <p>No cameras are configured.</p>}
      {/* The image links are for the mouse; keyboard users get one stop per camera, the name. */}
      <ul class="grid cameras" data-testid="camera-grid">
        {cams.map((c) => {
          const s = stats.data?.[c.name];
          return (
            <li key={c.name} class="card">
              <Tile c={c} stats={s} liveGrid={liveGrid} />
              <div class="card-body">
                <h2>
                  <Link to={`/cameras/${encodeURIComponent(c.name)}`}>{c.name}</Link>
                </h2>
                <CameraState stats={s} />
              </div>
              <BestImages camera={c.name} labels={c.objects?.track} />
            </li>
          );
        })}
      </ul>
      {stats.error && <p class="muted">Camera states unavailable: {stats.error.message}</p>}
    </>
  );
}
