// "/events/:id": one event with its clip (seekable: vigil serves byte ranges), snapshot
// and download links.
import { url, useApi } from './api.js';
import { ErrorBox, fmtDuration, fmtScore, fmtTime, Loading, usePageTitle } from './components.jsx';
import { Link } from './router.jsx';

export function Event({ id }) {
  const { data: e, error, reload } = useApi(`api/events/${encodeURIComponent(id)}`);
  usePageTitle(e ? `${e.label} on ${e.camera}` : 'Event');
  if (error) {
    return (
      <>
        <h1>Event</h1>
        {error.status === 404 ? (
          <p>
            No finished event with id <code>{id}</code>. It may still be in progress, or retention removed it.{' '}
            <Link to="/events">All events</Link>
          </p>
        ) : (
          <ErrorBox error={error} retry={reload} what="Cannot load the event" />
        )}
      </>
    );
  }
  if (!e) return <Loading what="Loading event" />;
  const base = `${encodeURIComponent(e.camera)}-${encodeURIComponent(e.id)}`;
  const clip = url(`clips/${base}.mp4`);
  const snapshot = url(`api/events/${encodeURIComponent(e.id)}/snapshot.jpg`);
  return (
    <>
      <p class="crumbs">
        <Link to="/events">Events</Link> / <Link to={`/events?camera=${encodeURIComponent(e.camera)}`}>{e.camera}</Link>
      </p>
      <h1>
        {e.label} on {e.camera}
      </h1>
      <div class="event-layout">
        <div class="event-media">
          {e.has_clip ? (
            <figure>
              <video controls preload="metadata" playsInline src={clip} data-testid="clip" aria-label={`Clip of ${e.label} on ${e.camera}`} />
              <figcaption class="muted small">Clip</figcaption>
            </figure>
          ) : (
            <p class="notice">No clip for this event (clips are off for this camera, or it was not kept).</p>
          )}
          {e.has_snapshot ? (
            <figure>
              <img src={snapshot} alt={`Snapshot of ${e.label} on ${e.camera}`} class="snapshot" data-testid="snapshot" />
              <figcaption class="muted small">Snapshot</figcaption>
            </figure>
          ) : (
            <figure>
              <img src={url(`api/events/${encodeURIComponent(e.id)}/thumbnail.jpg`)} alt={`Thumbnail of ${e.label}`} class="thumb" />
              <figcaption class="muted small">Thumbnail (no snapshot stored)</figcaption>
            </figure>
          )}
        </div>
        <aside>
          <dl class="kv">
            <dt>Camera</dt>
            <dd>
              <Link to={`/cameras/${encodeURIComponent(e.camera)}`}>{e.camera}</Link>
            </dd>
            <dt>Label</dt>
            <dd>{e.label}</dd>
            <dt>Zones</dt>
            <dd>{e.zones?.length ? e.zones.join(', ') : '–'}</dd>
            <dt>Start</dt>
            <dd>{fmtTime(e.start_time)}</dd>
            <dt>Duration</dt>
            <dd>{fmtDuration(e.end_time - e.start_time)}</dd>
            <dt>Top score</dt>
            <dd>{fmtScore(e.top_score)}</dd>
            <dt>Id</dt>
            <dd>
              <code>{e.id}</code>
            </dd>
          </dl>
          <h2>Download</h2>
          <ul class="downloads">
            {e.has_clip && (
              <li>
                <a href={clip} download={`${e.camera}-${e.id}.mp4`}>
                  Clip (MP4)
                </a>
              </li>
            )}
            {e.has_snapshot && (
              <li>
                <a href={snapshot} download={`${e.camera}-${e.id}.jpg`}>
                  Snapshot (JPEG)
                </a>
              </li>
            )}
            <li>
              <a href={url(`api/events/${encodeURIComponent(e.id)}`)}>Event JSON</a>
            </li>
          </ul>
        </aside>
      </div>
    </>
  );
}
