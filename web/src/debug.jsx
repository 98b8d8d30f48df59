// "/debug": /api/stats refreshed every 2 s, and the /api/config document as a tree.
import { useApi, useConfig } from './api.js';
import { ErrorBox, Loading, usePageTitle } from './components.jsx';

const CAMERA_KEYS = ['camera_fps', 'process_fps', 'skipped_fps', 'detection_fps', 'pid', 'capture_pid'];
const DETECTOR_KEYS = ['inference_speed', 'detection_start', 'pid'];

// Rates with two decimals (JSON 5.0 arrives as 5), inference in ms, idle detectors.
function fmt(k, v) {
  if (v === undefined || v === null) return '–';
  if (typeof v !== 'number') return String(v);
  if (k.endsWith('_fps')) return v.toFixed(2);
  if (k === 'inference_speed') return `${v.toFixed(2)} ms`;
  if (k === 'detection_start') return v === 0 ? 'idle' : `busy since ${new Date(v * 1000).toLocaleTimeString()}`;
  if (['total', 'used', 'free'].includes(k)) return v.toFixed(1);
  return String(v);
}

function Table({ caption, rows, keys, testid }) {
  return (
    <div class="table-wrap">
      <table data-testid={testid}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {keys.map((k) => (
              <th key={k} scope="col">
                {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, v]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {keys.map((k) => (
                <td key={k}>{fmt(k, v?.[k])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Tree({ value, name, depth = 0 }) {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const summary = (
      <summary>
        <span class="key">{name}</span> <span class="muted small">{Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}</span>
      </summary>
    );
    return (
      <details open={depth < 2}>
        {summary}
        <ul>
          {entries.map(([k, v]) => (
            <li key={k}>
              <Tree value={v} name={String(k)} depth={depth + 1} />
            </li>
          ))}
        </ul>
      </details>
    );
  }
  return (
    <span>
      <span class="key">{name}</span>: <span class={`val ${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
    </span>
  );
}

export function Debug() {
  usePageTitle('Debug');
  const stats = useApi('api/stats', { refresh: 2000 });
  const { config, error, reload } = useConfig();
  const s = stats.data;
  const cameras = s ? Object.entries(s).filter(([k]) => !['detectors', 'detection_fps', 'service'].includes(k)) : [];
  return (
    <>
      <h1>Debug</h1>
      <section aria-labelledby="stats-h">
        <h2 id="stats-h">Stats</h2>
        {stats.error && <ErrorBox error={stats.error} what="Stats unavailable (retrying)" />}
        {!s && !stats.error && <Loading what="Loading stats" />}
        {s && (
          <>
            <p class="muted">
              Version {s.service?.version} · up {s.service?.uptime} s · detection {s.detection_fps} /s · refreshed every 2 s
            </p>
            <Table caption="Cameras" rows={cameras} keys={CAMERA_KEYS} testid="stats-cameras" />
            <Table caption="Detectors" rows={Object.entries(s.detectors || {})} keys={DETECTOR_KEYS} />
            <Table caption="Storage (MB)" rows={Object.entries(s.service?.storage || {})} keys={['total', 'used', 'free', 'mount_type']} />
          </>
        )}
      </section>
      <section aria-labelledby="config-h">
        <h2 id="config-h">Config</h2>
        {error && <ErrorBox error={error} retry={reload} what="Cannot load the configuration" />}
        {!config && !error && <Loading what="Loading config" />}
        {config && (
          <div class="tree" data-testid="config-tree">
            <Tree value={config} name="config" />
          </div>
        )}
      </section>
    </>
  );
}
