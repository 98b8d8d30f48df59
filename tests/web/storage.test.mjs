// The web UI's Storage page in headless Chromium against a real vigil recording vtest in
// 2 s segments (docs/storage.md "Accounting"): a bar per camera, used against its budget,
// and the projected days; with an archive tier, the bar split by tier and the MB on each. Run by CTest (`web_storage`) or `node --test tests/web/storage.test.mjs`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { env, launchBrowser, newPage, screenshot, Vigil } from './harness.mjs';

const camera = (name, extra) => `  ${name}:
    ffmpeg:
      inputs:
        - path: ${path.join(env.media, 'vtest.mp4')}
          input_args: -re -stream_loop -1
          roles: [detect, record]
    width: 768
    height: 576
    fps: 5
    detect: {enabled: false}
    record: {enabled: true${extra}}
`;

describe('storage page', () => {
  let vigil;
  let browser;
  before(async () => {
    process.env.VIGIL_TEST_RECORD_SEGMENT_SECONDS = '2'; // finished segments within seconds
    vigil = await Vigil.start(`cameras:\n${camera('small', ', max_mb: 1')}${camera('big', '')}`);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
  });

  test('a bar per camera against its budget, and the projected days', async () => {
    // Until both cameras have a write rate (a finished segment in the last hour).
    await vigil.waitFor(
      '/api/recordings/storage',
      (s) => s.small?.projected_days != null && s.big?.projected_days != null,
      60000,
      'no recording rate for both cameras',
    );
    const page = await newPage(browser);
    await page.goto(`${vigil.base}/storage`);
    await page.getByRole('heading', { name: 'Storage' }).waitFor();
    const small = page.getByTestId('storage-small');
    const big = page.getByTestId('storage-big');
    await small.waitFor();
    await big.waitFor();
    assert.match(await small.textContent(), /of 1\.0 MB budget/);
    assert.match(await big.textContent(), /no budget/);
    const meter = small.getByRole('meter');
    const now = Number(await meter.getAttribute('aria-valuenow'));
    assert.ok(now > 0 && now <= 100, `used share of the budget: ${now}`);
    // The bar's fill is drawn at that share of the bar's width.
    const [bar, fill] = await Promise.all([meter.boundingBox(), meter.locator('.storage-fill').boundingBox()]);
    assert.ok(Math.abs(fill.width - (bar.width * Math.min(now, 100)) / 100) <= bar.width * 0.02 + 1, `${fill.width} of ${bar.width}`);
    assert.match(await page.getByTestId('days-small').textContent(), /^\d+(\.\d)? (minutes|hours|days)$/);
    assert.match(await page.getByTestId('days-big').textContent(), /^\d+(\.\d)? (minutes|hours|days)$/);
    // The navigation names the page.
    assert.equal(await page.getByRole('link', { name: 'Storage' }).getAttribute('aria-current'), 'page');
    await screenshot(page, 'storage');
    assert.deepEqual(page.errors, []);
  });
});

describe('storage page with an archive tier', () => {
  let vigil;
  let browser;
  let archive;
  before(async () => {
    process.env.VIGIL_TEST_RECORD_SEGMENT_SECONDS = '2';
    archive = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-web-archive-'));
    // Segments move to the archive 1.8 s after they end.
    vigil = await Vigil.start(`cameras:\n${camera('yard', ', max_mb: 50')}`, {
      storage: `{min_free_mb: 0, tiers: [{path: ${archive}, move_after_hours: 0.0005}]}`,
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
    fs.rmSync(archive, { recursive: true, force: true });
  });

  test('the bar has one segment per tier and the MB on each', async () => {
    // Until recordings are on both tiers.
    const st = await vigil.waitFor(
      '/api/recordings/storage',
      (s) => s.yard && Object.values(s.yard.tiers || {}).filter((v) => v > 0).length === 2,
      60000,
      'no recordings on both tiers',
    );
    assert.deepEqual(st.yard.tier_paths, [`${vigil.dir}/media`, archive]);
    assert.deepEqual(Object.keys(st.yard.tiers).sort(), [`${vigil.dir}/media`, archive].sort());
    const page = await newPage(browser);
    await page.goto(`${vigil.base}/storage`);
    const yard = page.getByTestId('storage-yard');
    await yard.waitFor();
    const legend = page.getByTestId('tiers-yard');
    await legend.waitFor();
    assert.match(await legend.textContent(), new RegExp(`first tier ${vigil.dir}/media: \\d+\\.\\d MB`));
    assert.match(await legend.textContent(), new RegExp(`archive 1 ${archive}: \\d+\\.\\d MB`));
    // Two fills whose widths add up to the used share of the budget.
    const meter = yard.getByRole('meter');
    const fills = meter.locator('.storage-fill');
    assert.equal(await fills.count(), 2);
    const now = Number(await meter.getAttribute('aria-valuenow'));
    const bar = await meter.boundingBox();
    const widths = await Promise.all([0, 1].map(async (i) => (await fills.nth(i).boundingBox())?.width ?? 0));
    assert.ok(widths[1] > 0, `archive part: ${widths}`);
    assert.ok(Math.abs(widths[0] + widths[1] - (bar.width * now) / 100) <= bar.width * 0.02 + 2, `${widths} of ${bar.width} at ${now} %`);
    await screenshot(page, 'storage-tiers');
    assert.deepEqual(page.errors, []);
  });
});
