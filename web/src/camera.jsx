// "/cameras/:name": live video (or live images with the debug overlays), the camera's
// switches as the config reports them, and its recent events.
import { useState } from 'preact/hooks';
import { useApi, useConfig } from './api.js';
import { CameraState, DownNotice } from './cameras.jsx';
import { ErrorBox, LiveImage, Loading, OnOff, usePageTitle } from './components.jsx';
import { EventList } from './events.jsx';
import { LiveVideo, stored } from './live.jsx';
import { Link } from './router.jsx';

export const OVERLAYS = [
  ['bbox', 'Bounding boxes'],
  ['timestamp', 'Timestamp'],
  ['zones', 'Zones'],
  ['mask', 'Motion mask'],
  ['motion', 'Motion boxes'],
  ['regions', 'Detection regions'],
];

function loadOverlays() {
  try {
    return JSON.parse(localStorage.getItem('vigil.overlays')) || { bbox: true };
  } catch {
    return { bbox: true };
  }
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: not remembered */
  }
}

export function Camera({ name }) {
  usePageTitle(name);
  const { config, error, reload } = useConfig();
  const [overlays, setOverlays] = useState(loadOverlays);
  // "video": the live stream (no overlays: it is the camera's own picture); "images": JPEGs with overlays.
  const [view, setView] = useState(() => stored('vigil.cameraView') || 'video');
  const stats = useApi('api/stats', { refresh: 5000 });
  const events = useApi('api/events', { params: { camera: name, limit: 6, include_thumbnails: 0 }, refresh: 30000 });
  if (error) return <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />;
  if (!config) return <Loading what="Loading camera" />;
  const cam = config.cameras?.[name];
  if (!cam) {
    return (
      <>
        <h1>Camera not found</h1>
        <p>
          There is no camera named “{name}”. <Link to="/">All cameras</Link>
        </p>
      </>
    );
  }
  const toggle = (k) => {
    const next = { ...overlays, [k]: !overlays[k] };
    setOverlays(next);
    remember('vigil.overlays', JSON.stringify(next));
  };
  const choose = (v) => {
    setView(v);
    remember('vigil.cameraView', v);
  };
  const params = { h: Math.min(720, cam.height) };
  for (const [k] of OVERLAYS) if (overlays[k]) params[k] = 1;
  const s = stats.data?.[name];
  return (
    <>
      <div class="title-row">
        <h1>{name}</h1>
        <CameraState stats={s} />
        <Link to={`/cameras/${encodeURIComponent(name)}/editor`} class="button">
          Mask &amp; zone editor
        </Link>
      </div>
      <div class="camera-layout">
        <div class="camera-live">
          {view === 'video' ? (
            <LiveVideo
              key={name}
              camera={name}
              width={cam.width}
              height={cam.height}
              fallback={<LiveImage camera={name} params={params} width={cam.width} height={cam.height} alt={`Live view of ${name} with overlays`} />}
            />
          ) : (
            <LiveImage camera={name} params={params} width={cam.width} height={cam.height} alt={`Live view of ${name} with overlays`} />
          )}
          <DownNotice stats={s} />
        </div>
        <aside class="camera-side">
          <fieldset class="toggles">
            <legend>View</legend>
            <label class="check">
              <input type="radio" name="view" checked={view === 'video'} onChange={() => choose('video')} data-view="video" />
              Live video
            </label>
            <label class="check">
              <input type="radio" name="view" checked={view === 'images'} onChange={() => choose('images')} data-view="images" />
              Images with overlays (1/s)
            </label>
          </fieldset>
          <fieldset class="toggles" disabled={view === 'video'}>
            <legend>Debug overlays{view === 'video' ? ' (image view)' : ''}</legend>
            {OVERLAYS.map(([k, label]) => (
              <label key={k} class="check">
                <input type="checkbox" checked={!!overlays[k]} onChange={() => toggle(k)} data-overlay={k} />
                {label}
              </label>
            ))}
          </fieldset>
          <section aria-labelledby="switches">
            <h2 id="switches">Switches</h2>
            <p class="states">
              <OnOff on={cam.detect?.enabled} label="Detect" />
              <OnOff on={cam.clips?.enabled} label="Clips" />
              <OnOff on={cam.snapshots?.enabled} label="Snapshots" />
              <OnOff on={cam.record?.enabled} label="24/7 recording" />
            </p>
            <p class="muted small">
              As configured. The HTTP API has no switch endpoint; use the MQTT <code>…/set</code> topics or the config file.
            </p>
          </section>
          <section aria-labelledby="details">
            <h2 id="details">Details</h2>
            <dl class="kv">
              <dt>Size</dt>
              <dd>
                {cam.width}×{cam.height}
              </dd>
              <dt>Tracks</dt>
              <dd>{(cam.objects?.track || []).join(', ') || '–'}</dd>
              <dt>Zones</dt>
              <dd>{Object.keys(cam.zones || {}).join(', ') || '–'}</dd>
              {s && (
                <>
                  <dt>Processed</dt>
                  <dd>{s.process_fps} fps</dd>
                  <dt>Detections</dt>
                  <dd>{s.detection_fps} /s</dd>
                </>
              )}
            </dl>
          </section>
        </aside>
      </div>
      <section aria-labelledby="recent">
        <div class="title-row">
          <h2 id="recent">Recent events</h2>
          <Link to={`/events?camera=${encodeURIComponent(name)}`}>All events of {name}</Link>
        </div>
        {events.error ? (
          <ErrorBox error={events.error} retry={events.reload} what="Cannot load events" />
        ) : !events.data ? (
          <Loading what="Loading events" />
        ) : events.data.length ? (
          <EventList events={events.data} />
        ) : (
          <p class="muted">No events yet.</p>
        )}
      </section>
    </>
  );
}
