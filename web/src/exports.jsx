// The timeline's exports: mark a range (in/out at the playhead, or an event with its clip
// padding), POST /api/export/<camera>/start/<s>/end/<e>, its progress from
// GET /api/exports/<id> once a second, and the list of exports (GET /api/exports) with
// download links (/exports/<id>.mp4), rename (PATCH) and delete (DELETE).
import { useEffect, useState } from 'preact/hooks';
import { request, send, url, useApi } from './api.js';
import { ErrorBox, fmtClock as clock, fmtDuration, fmtTime } from './components.jsx';

const mb = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

// Progress of the export `id` until it is finished; then `done()`.
function useProgress(id, done) {
  const [row, setRow] = useState(null);
  useEffect(() => {
    if (!id) return undefined;
    const ctl = new AbortController();
    let timer;
    const poll = async () => {
      try {
        const r = await request(`api/exports/${encodeURIComponent(id)}`, { signal: ctl.signal });
        setRow(r);
        if (!r.in_progress) return done(r);
      } catch (e) {
        if (ctl.signal.aborted) return undefined;
        setRow({ error: e.message });
      }
      timer = setTimeout(poll, 1000); // the progress poll
      return undefined;
    };
    poll();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [id]);
  return row;
}

function ExportRow({ e, reload }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(e.name || '');
  const [error, setError] = useState(null);
  const act = async (fn) => {
    setError(null);
    try {
      await fn();
      reload();
    } catch (x) {
      setError(x.message);
    }
  };
  const rename = (ev) => {
    ev.preventDefault();
    act(async () => {
      await send('PATCH', `api/export/${encodeURIComponent(e.id)}/${encodeURIComponent(name.trim() || e.id)}`);
      setEditing(false);
    });
  };
  const file = url(`exports/${encodeURIComponent(e.id)}.mp4`);
  return (
    <li class="export" data-testid="export" data-id={e.id} data-state={e.in_progress ? 'running' : e.error ? 'failed' : 'done'}>
      {editing ? (
        <form class="export-rename" onSubmit={rename}>
          <input aria-label="New name" value={name} maxLength={256} onInput={(ev) => setName(ev.target.value)} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <strong class="export-name">{e.name || e.id}</strong>
      )}
      <span class="muted small">
        {e.camera} · {fmtTime(e.start_time)} · {fmtDuration(e.end_time - e.start_time)}
        {e.size_bytes ? ` · ${mb(e.size_bytes)}` : ''}
      </span>
      {e.in_progress && <progress max="1" value={e.progress || 0} aria-label="Export progress" />}
      {e.error && <span class="bad small">failed: {e.error}</span>}
      <span class="export-actions">
        {!e.in_progress && !e.error && (
          <a class="button" href={file} download={`${e.name || e.id}.mp4`} data-testid="export-download">
            Download
          </a>
        )}
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Rename
          </button>
        )}
        {!e.in_progress && (
          <button type="button" onClick={() => act(() => send('DELETE', `api/export/${encodeURIComponent(e.id)}`))}>
            Delete
          </button>
        )}
      </span>
      {error && <span class="bad small" role="alert">{error}</span>}
    </li>
  );
}

export function Exports({ camera, sel, selOk, markIn, markOut, eventRange, clear }) {
  const list = useApi('api/exports', { refresh: 10000 });
  const [name, setName] = useState('');
  const [running, setRunning] = useState(null); // id of the export this page started
  const [error, setError] = useState(null);
  const progress = useProgress(running, () => list.reload());
  const start = async () => {
    setError(null);
    try {
      const r = await send('POST', `api/export/${encodeURIComponent(camera)}/start/${sel.in.toFixed(3)}/end/${sel.out.toFixed(3)}`, {
        playback: 'realtime',
        name: name.trim() || `${camera} ${fmtTime(sel.in)}`,
      });
      setRunning(r.export_id);
      setName('');
      list.reload();
    } catch (e) {
      setError(e.message);
    }
  };
  const rows = [...(list.data || [])].sort((a, b) => b.date - a.date);
  return (
    <section class="exports" aria-labelledby="exports-h">
      <h2 id="exports-h">Export</h2>
      <div class="export-form">
        <button type="button" onClick={markIn} data-testid="mark-in">
          Mark in
        </button>
        <button type="button" onClick={markOut} data-testid="mark-out">
          Mark out
        </button>
        <button type="button" onClick={eventRange} title="The event at the playhead with its clip padding">
          Event range
        </button>
        <span class="small" data-testid="export-range">
          {sel.in !== null ? clock(sel.in) : '–'} → {sel.out !== null ? clock(sel.out) : '–'}
          {selOk ? ` (${fmtDuration(sel.out - sel.in)})` : sel.in !== null && sel.out !== null ? ' (out must be after in)' : ''}
        </span>
        <input aria-label="Export name" placeholder="Name (optional)" value={name} maxLength={256} onInput={(e) => setName(e.target.value)} />
        <button type="button" class="primary" disabled={!selOk} onClick={start} data-testid="export-start">
          Export
        </button>
        {(sel.in !== null || sel.out !== null) && (
          <button type="button" class="link-button" onClick={clear}>
            Clear
          </button>
        )}
      </div>
      {error && <ErrorBox error={{ message: error }} what="Export refused" />}
      {running && progress?.in_progress && (
        <p class="small" data-testid="export-progress">
          Exporting… {Math.round((progress.progress || 0) * 100)} % <progress max="1" value={progress.progress || 0} />
        </p>
      )}
      <h2>Exports</h2>
      {list.error && <ErrorBox error={list.error} what="Cannot list the exports (retrying)" />}
      {list.data && rows.length === 0 && <p class="muted">No exports yet.</p>}
      <ul class="export-list" data-testid="export-list">
        {rows.map((e) => (
          <ExportRow key={e.id} e={e} reload={list.reload} />
        ))}
      </ul>
    </section>
  );
}
