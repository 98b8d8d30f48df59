// The web UI's Storage page in headless Chromium against a real vigil recording vtest in
// 2 s segments (docs/storage.md "Accounting"): a bar per camera, used against its budget,
// and the projected days. Run by CTest (`web_storage`) or `node --test tests/web/storage.test.mjs`.
import assert from 'node:assert/strict';
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
