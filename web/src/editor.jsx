// "/cameras/:name/editor": click points on the camera's latest image to draw a zone, a
// motion mask or an object mask. Points are kept in the camera's own pixel space (the
// click position scaled from the displayed image size); the page shows the YAML to
// paste into the config and previews the polygon over the image.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, request, useConfig } from './api.js';
import { ErrorBox, Loading, usePageTitle } from './components.jsx';
import { Link } from './router.jsx';

// A mask/coordinates value from /api/config (string, list of strings, or null) as a list
// of polygons, each a list of [x, y].
export function polygons(value) {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  // A list of "x,y" pairs is one polygon (0.8 allowed it for zone coordinates).
  if (list.length > 2 && list.every((s) => String(s).split(',').length === 2)) return [toPoints(list.join(','))];
  return list.map((s) => toPoints(String(s))).filter((p) => p.length >= 3);
}

function toPoints(s) {
  const n = s.split(',').map((v) => Number(v.trim()));
  const pts = [];
  for (let i = 0; i + 1 < n.length; i += 2) if (Number.isFinite(n[i]) && Number.isFinite(n[i + 1])) pts.push([n[i], n[i + 1]]);
  return pts;
}

export function yamlFor({ camera, kind, zone, label, points }) {
  const coords = points.map(([x, y]) => `${x},${y}`).join(',') || '…';
  const key = (s) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s));
  const lines = ['cameras:', `  ${key(camera)}:`];
  if (kind === 'zone') lines.push('    zones:', `      ${key(zone || 'zone_name')}:`, `        coordinates: ${coords}`);
  else if (kind === 'motion') lines.push('    motion:', '      mask:', `        - ${coords}`);
  else if (label) lines.push('    objects:', '      filters:', `        ${key(label)}:`, '          mask:', `            - ${coords}`);
  else lines.push('    objects:', '      mask:', `        - ${coords}`);
  return lines.join('\n');
}

function Snapshot({ camera, stamp, onLoad, imgRef, width, height }) {
  const [src, setSrc] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const ctl = new AbortController();
    let u;
    setError(null);
    request(`api/${encodeURIComponent(camera)}/latest.jpg`, { params: { cache: stamp }, signal: ctl.signal, as: 'blob' })
      .then((b) => {
        u = URL.createObjectURL(b);
        setSrc(u);
      })
      .catch((e) => !isAbort(e) && setError(e));
    return () => {
      ctl.abort();
      if (u) URL.revokeObjectURL(u);
    };
  }, [camera, stamp]);
  if (error) return <ErrorBox error={error} what="Cannot load the camera image" />;
  if (!src) return <div class="placeholder" style={{ aspectRatio: `${width} / ${height}` }}>Loading image…</div>;
  return <img ref={imgRef} src={src} alt={`Latest image of ${camera}`} onLoad={onLoad} width={width} height={height} data-testid="editor-image" />;
}

export function Editor({ name }) {
  usePageTitle(`Editor · ${name}`);
  const { config, error, reload } = useConfig();
  const [kind, setKind] = useState('zone');
  const [zone, setZone] = useState('zone_1');
  const [label, setLabel] = useState('');
  const [points, setPoints] = useState([]);
  const [stamp, setStamp] = useState(() => Date.now());
  const [showExisting, setShowExisting] = useState(true);
  const [copied, setCopied] = useState('');
  const [draft, setDraft] = useState({ x: '', y: '' });
  const imgRef = useRef(null);
  const yamlRef = useRef(null);
  if (error) return <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />;
  if (!config) return <Loading what="Loading camera" />;
  const cam = config.cameras?.[name];
  if (!cam) {
    return (
      <p>
        There is no camera named “{name}”. <Link to="/">All cameras</Link>
      </p>
    );
  }
  const W = cam.width;
  const H = cam.height;

  const onClick = (e) => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.round(((e.clientX - r.left) * W) / r.width);
    const y = Math.round(((e.clientY - r.top) * H) / r.height);
    setPoints((p) => [...p, [Math.max(0, Math.min(W, x)), Math.max(0, Math.min(H, y))]]);
  };
  const addDraft = (e) => {
    e.preventDefault();
    const x = Number(draft.x);
    const y = Number(draft.y);
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x > W || y > H) return;
    setPoints((p) => [...p, [x, y]]);
    setDraft({ x: '', y: '' });
  };
  const yaml = yamlFor({ camera: name, kind, zone, label, points });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(yaml);
      setCopied('Copied.');
    } catch {
      const sel = getSelection();
      sel.selectAllChildren(yamlRef.current);
      setCopied('Selected: press Ctrl+C to copy.');
    }
  };

  const existing = [];
  if (showExisting) {
    for (const [zn, z] of Object.entries(cam.zones || {})) for (const p of polygons(z.coordinates)) existing.push({ cls: 'ex-zone', p, title: `zone ${zn}` });
    for (const p of polygons(cam.motion?.mask)) existing.push({ cls: 'ex-motion', p, title: 'motion mask' });
    for (const p of polygons(cam.objects?.mask)) existing.push({ cls: 'ex-object', p, title: 'object mask' });
  }
  const ptsAttr = (p) => p.map(([x, y]) => `${x},${y}`).join(' ');
  const stroke = Math.max(2, W / 320);

  return (
    <>
      <p class="crumbs">
        <Link to={`/cameras/${encodeURIComponent(name)}`}>{name}</Link> / editor
      </p>
      <h1>Mask &amp; zone editor</h1>
      <div class="editor-layout">
        <div>
          <div class="editor-stage">
            <Snapshot camera={name} stamp={stamp} imgRef={imgRef} width={W} height={H} />
            <svg
              viewBox={`0 0 ${W} ${H}`}
              preserveAspectRatio="none"
              class="editor-svg"
              onClick={onClick}
              data-testid="editor-surface"
              role="img"
              aria-label="Polygon preview: click to add a point"
            >
              {existing.map((ex, i) => (
                <polygon key={i} points={ptsAttr(ex.p)} class={ex.cls} stroke-width={stroke}>
                  <title>{ex.title}</title>
                </polygon>
              ))}
              {points.length > 0 && <polygon points={ptsAttr(points)} class={`draft ${kind}`} stroke-width={stroke} data-testid="draft-polygon" />}
              {points.map(([x, y], i) => (
                <circle key={i} cx={x} cy={y} r={stroke * 2.5} class="handle" />
              ))}
            </svg>
          </div>
          <p class="muted small">
            Click the image to add points ({W}×{H} camera pixels). A polygon needs at least 3 points.
          </p>
        </div>
        <div class="editor-side">
          <fieldset>
            <legend>Draw</legend>
            {[
              ['zone', 'Zone'],
              ['motion', 'Motion mask'],
              ['object', 'Object mask'],
            ].map(([k, l]) => (
              <label key={k} class="check">
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                {l}
              </label>
            ))}
            {kind === 'zone' && (
              <label class="field">
                <span>Zone name</span>
                <input value={zone} onInput={(e) => setZone(e.currentTarget.value.trim())} pattern="[A-Za-z0-9_\-]+" required />
              </label>
            )}
            {kind === 'object' && (
              <label class="field">
                <span>Objects</span>
                <select value={label} onChange={(e) => setLabel(e.currentTarget.value)}>
                  <option value="">All objects</option>
                  {(cam.objects?.track || []).map((l) => (
                    <option key={l} value={l}>
                      {l} only
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
          <form class="add-point" onSubmit={addDraft} aria-label="Add a point by coordinates">
            <label class="field">
              <span>x</span>
              <input type="number" min="0" max={W} step="1" value={draft.x} onInput={(e) => setDraft({ ...draft, x: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span>y</span>
              <input type="number" min="0" max={H} step="1" value={draft.y} onInput={(e) => setDraft({ ...draft, y: e.currentTarget.value })} />
            </label>
            <button type="submit">Add point</button>
          </form>
          <ol class="points" aria-label="Points">
            {points.map(([x, y], i) => (
              <li key={i}>
                {x},{y}{' '}
                <button type="button" class="link-button" aria-label={`Remove point ${i + 1} (${x},${y})`} onClick={() => setPoints(points.filter((_, j) => j !== i))}>
                  remove
                </button>
              </li>
            ))}
          </ol>
          <div class="buttons">
            <button type="button" onClick={() => setPoints(points.slice(0, -1))} disabled={!points.length}>
              Undo point
            </button>
            <button type="button" onClick={() => setPoints([])} disabled={!points.length}>
              Clear
            </button>
            <button type="button" onClick={() => setStamp(Date.now())}>
              New image
            </button>
          </div>
          <label class="check">
            <input type="checkbox" checked={showExisting} onChange={() => setShowExisting(!showExisting)} />
            Show configured zones and masks
          </label>
          <h2>Config</h2>
          <p class="small">
            Coordinates: <output data-testid="coordinates">{points.map(([x, y]) => `${x},${y}`).join(',')}</output>
          </p>
          <pre class="yaml" ref={yamlRef} data-testid="yaml" tabIndex={0} aria-label="YAML to paste into the config">
            {yaml}
          </pre>
          <button type="button" onClick={copy} disabled={points.length < 3}>
            Copy YAML
          </button>{' '}
          <span role="status" class="small">
            {points.length > 0 && points.length < 3 ? 'Add at least 3 points.' : copied}
          </span>
        </div>
      </div>
    </>
  );
}
