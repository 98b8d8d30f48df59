// HLS under /vod/ played in headless Chromium with hls.js (Chromium on Linux has no
// native HLS): a recordings range spanning several recording files and an event clip,
// each played, seeked into the middle, and seen to advance. The test page and hls.js
// are served on vigil's origin by the browser's request routing (no CDN, no CORS).
// Run by CTest (`web_vod`), or by hand: node --test tests/web/vod.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { env, launchBrowser, newPage, pollUntil, sourceDir, Vigil } from './harness.mjs';

// hls.js is a devDependency of web/, as playwright-core.
const require = createRequire(path.join(sourceDir, 'web/package.json'));
const hlsJs = fs.readFileSync(path.join(path.dirname(require.resolve('hls.js')), 'hls.min.js'));

const CAMERAS = `cameras:
  walk:
    ffmpeg:
      inputs:
        - path: ${path.join(env.media, 'vtest.mp4')}
          input_args: -re -stream_loop -1
          roles: [detect, clips, record]
    width: 768
    height: 576
    fps: 5
    record: {enabled: true}
    clips: {enabled: true, pre_capture: 2, post_capture: 2}
`;

const PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/__vodtest/hls.min.js"></script>
<script>
  window.fatal = [];
  window.play = (url) => {
    const video = document.getElementById('v');
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) window.fatal.push(d.type + ': ' + d.details); });
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
    hls.loadSource(url);
    hls.attachMedia(video);
    window.hls = hls;
  };
</script></body></html>`;

function recordingFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/^\d\d\.\d\d\.mp4$/.test(e.name)) out.push(path.join(d, e.name));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe('HLS under /vod/ in Chromium', { timeout: 600000 }, () => {
  let vigil;
  let browser;

  before(async () => {
    process.env.VIGIL_TEST_RECORD_SEGMENT_SECONDS = '4'; // short recording files
    vigil = await Vigil.start(CAMERAS);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
  });

  // Opens the test page on vigil's origin, plays `url`, checks that playback advances,
  // seeks to the middle and checks it advances from there.
  async function playAndSeek(url) {
    const page = await newPage(browser);
    await page.route(`${vigil.base}/__vodtest/**`, (route) => {
      const js = route.request().url().endsWith('.js');
      route.fulfill({ status: 200, contentType: js ? 'text/javascript' : 'text/html', body: js ? hlsJs : PAGE });
    });
    await page.goto(`${vigil.base}/__vodtest/page.html`);
    assert.ok(await page.evaluate(() => Hls.isSupported()), 'hls.js: no MSE with H.264 in this Chromium');
    await page.evaluate((u) => window.play(u), url);
    await page.waitForFunction(() => window.fatal.length > 0 || document.getElementById('v').currentTime > 1, null, {
      timeout: 60000,
    });
    assert.deepEqual(await page.evaluate(() => window.fatal), []);
    const duration = await page.evaluate(() => document.getElementById('v').duration);
    assert.ok(duration > 8, `duration ${duration}`);
    const middle = duration / 2;
    await page.evaluate((t) => {
      document.getElementById('v').currentTime = t;
    }, middle);
    await page.waitForFunction(
      (t) => window.fatal.length > 0 || document.getElementById('v').currentTime > t + 1,
      middle,
      { timeout: 60000 },
    );
    assert.deepEqual(await page.evaluate(() => window.fatal), []);
    assert.deepEqual(page.errors, []);
    await page.close();
    return duration;
  }

  test('a recordings range across several files plays and seeks', async () => {
    const dir = path.join(vigil.dir, 'media', 'recordings');
    const files = await pollUntil(() => recordingFiles(dir).length >= 6 && recordingFiles(dir), 120000, 500);
    assert.ok(files, `fewer than 6 recording files after 120 s:\n${vigil.log()}`);
    const now = Math.floor(Date.now() / 1000);
    const url = `/vod/walk/start/${now - 600}/end/${now}/index.m3u8?authSig=XYZ`;
    const playlist = await (await fetch(vigil.base + url)).text();
    assert.ok((playlist.match(/#EXTINF/g) || []).length >= 2, playlist);
    const duration = await playAndSeek(url);
    assert.ok(duration >= 16, `range of ${files.length} files lasts only ${duration} s`);
  });

  test('an event clip plays and seeks', async () => {
    const events = await vigil.waitFor('/api/events?has_clip=1', (e) => e.length > 0, 180000, 'no event with a clip');
    await playAndSeek(`/vod/event/${events[0].id}/index.m3u8`);
  });
});
