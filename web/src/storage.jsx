// "/storage": /api/recordings/storage refreshed every 10 s — per camera a bar of the MB its
// recordings take against its budget (record.max_mb), one segment of the bar per storage
// tier (storage.tiers: media_dir first, then each archive), the write rate and the days
// of recordings the budget or the free space allows at that rate.
import { useApi } from './api.js';
import { ErrorBox, Loading, usePageTitle } from './components.jsx';

const mb = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} GB` : `${v.toFixed(1)} MB`);

function days(d) {
  if (d === null || d === undefined) return 'unknown (no recording in the last hour)';
  if (d * 24 < 1) return `${(d * 24 * 60).toFixed(1)} minutes`;
  if (d < 1) return `${(d * 24).toFixed(1)} hours`;
  return `${d.toFixed(1)} days`;
}

function CameraBar({ name, s }) {
  const budget = s.budget_mb || 0;
  // Without a budget the bar is the camera's share of the disk.
  const pct = budget > 0 ? Math.min(100, (s.usage / budget) * 100) : Math.min(100, s.usage_percent || 0);
  const over = budget > 0 && s.usage > budget;
  // The bar's fill split by tier, in tier order (`tier_paths`: JSON object keys are unordered).
  const tiers = (s.tier_paths || Object.keys(s.tiers || {})).map((p) => [p, s.tiers?.[p] ?? 0]);
  const parts = tiers.length > 1 && s.usage > 0 ? tiers.map(([p, v]) => [p, (pct * v) / s.usage]) : [['', pct]];
  return (
    <li class="storage-camera" data-testid={`storage-${name}`}>
      <div class="storage-head">
        <strong>{name}</strong>
        <span class="muted small">
          {mb(s.usage)} {budget > 0 ? `of ${mb(budget)} budget` : `· ${(s.usage_percent || 0).toFixed(2)} % of the disk, no budget`}
        </span>
      </div>
      <div
        class={`storage-bar${over ? ' over' : ''}`}
        role="meter"
        aria-label={`${name}: recordings used${budget > 0 ? ' of its budget' : ' of the disk'}`}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow={pct.toFixed(0)}
      >
        {parts.map(([p, w], i) => (
          <div key={p} class={`storage-fill tier-${Math.min(i, 3)}`} title={p} style={{ width: `${w}%` }} />
        ))}
      </div>
      {tiers.length > 1 && (
        <p class="muted small storage-tiers" data-testid={`tiers-${name}`}>
          {tiers.map(([p, v], i) => (
            <span key={p} class="storage-tier">
              <span class={`storage-swatch tier-${Math.min(i, 3)}`} /> {i === 0 ? 'first tier' : `archive ${i}`}{' '}
              <code>{p}</code>: {mb(v)}
            </span>
          ))}
        </p>
      )}
      <p class="muted small">
        {s.bandwidth.toFixed(1)} MB/hour · keeps about <span data-testid={`days-${name}`}>{days(s.projected_days)}</span>
        {s.oldest_start_time ? ` · oldest ${new Date(s.oldest_start_time * 1000).toLocaleString()}` : ''}
        {s.budget_held > 0 ? ` · held over its budget by events ${s.budget_held}×` : ''}
      </p>
    </li>
  );
}

export function Storage() {
  usePageTitle('Storage');
  const st = useApi('api/recordings/storage', { refresh: 10000 });
  const cams = st.data ? Object.entries(st.data) : [];
  return (
    <>
      <h1>Storage</h1>
      {st.error && <ErrorBox error={st.error} what="Storage unavailable (retrying)" />}
      {!st.data && !st.error && <Loading what="Loading storage" />}
      {st.data && cams.length === 0 && <p>No cameras.</p>}
      {cams.length > 0 && (
        <ul class="storage-list" data-testid="storage-list">
          {cams.map(([name, s]) => (
            <CameraBar key={name} name={name} s={s} />
          ))}
        </ul>
      )}
    </>
  );
}
