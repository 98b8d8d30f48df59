// The Timeline page (issue 13) in headless Chromium against a vigil recording vtest for
// at least 3 minutes in 20 s files with events: the day bar shows the recorded spans, the
// motion lane and the events; a click plays from the clicked time (the video's media time, mapped back to
// wall time through the playlist the page plays, within 1 s of it); playback crosses a
// recording file boundary without a stall over 0.5 s; "next event" lands on the next
// event's start; an export marked on the page completes, is listed and downloads with a
// Range request. The browser runs in another time zone than vigil. Screenshots in
// build/web-screenshots/.
// Run by CTest (`web_timeline`), or by hand: node --test tests/web/timeline.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { env, launchBrowser, newPage, otherTimeZone, screenshot, Vigil, vodWallAt } from './harness.mjs';

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

describe('Timeline page', { timeout: 900000 }, () => {
  let vigil;
  let browser;
  const shots = [];

  before(async () => {
    process.env.VIGIL_TEST_RECORD_SEGMENT_SECONDS = '20'; // several recording files in 3 minutes
    vigil = await Vigil.start(CAMERAS);
    browser = await launchBrowser();
  });

  after(async () => {
    if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
  });

  test('spans and events, click to play, across a file boundary, next event, export', async () => {
    const now = () => Date.now() / 1000;
    const recsNow = () => vigil.json(`/api/walk/recordings?after=${now() - 3600}&before=${now() + 60}`);
    // ≥ 3 minutes recorded in ≥ 3 files, and a finished event at least 45 s into them.
    const recs = await vigil.waitFor(
      `/api/walk/recordings?after=${Math.floor(now() - 3600)}&before=${Math.ceil(now() + 3600)}`,
      (r) => r.length >= 3 && r[r.length - 1].end_time - r[0].start_time >= 180,
      600000,
      'fewer than 3 minutes of recordings',
    );
    const recStart = recs[0].start_time;
    const events = await vigil.waitFor(
      '/api/events?camera=walk&include_thumbnails=0',
      (e) => e.some((x) => x.start_time >= recStart + 45),
      300000,
      'no finished event 45 s into the recordings',
    );
    const target = events.filter((x) => x.start_time >= recStart + 45).sort((a, b) => a.start_time - b.start_time)[0];

    // The browser in another time zone than vigil's: the page maps playback to wall time
    // through the playlist's UTC times, not through vigil's local file names.
    const page = await newPage(browser, undefined, { timezoneId: otherTimeZone });
    await page.goto(`${vigil.base}/timeline`);
    await page.waitForURL(/\/timeline\/walk$/);
    await page.waitForSelector('[data-testid=tl-span]');
    await page.waitForSelector('[data-testid=tl-event]');
    // The spans cover the recordings listed (one span: the files follow each other).
    const spans = await page.$$eval('[data-testid=tl-span]', (els) => els.map((e) => [Number(e.dataset.start), Number(e.dataset.end)]));
    const latest = await recsNow();
    const covered = spans.reduce((n, s) => n + s[1] - s[0], 0);
    assert.ok(covered >= 180, `spans cover ${covered} s: ${JSON.stringify(spans)}`);
    assert.ok(spans[0][0] <= recStart + 0.01, `first span ${spans[0][0]}, first recording ${recStart}`);
    // Every finished event of the time is a mark.
    const marks = await page.$$eval('[data-testid=tl-event]', (els) => els.map((e) => Number(e.dataset.start)));
    for (const e of events) assert.ok(marks.some((m) => Math.abs(m - e.start_time) < 1e-3), `no mark for event ${e.id}`);
    // The motion lane: vtest's walkers move throughout, so bars across the recorded time
    // (240 across the day's view), the busiest full height, none outside a recording.
    await page.waitForSelector('[data-testid=tl-motion]');
    const lane = await page.evaluate(() => {
      const data = (sel, f) => [...document.querySelectorAll(`[data-testid=${sel}]`)].map(f);
      return {
        bins: data('tl-motion', (e) => [Number(e.dataset.start), Number(e.dataset.level)]),
        spans: data('tl-span', (e) => [Number(e.dataset.start), Number(e.dataset.end)]),
        view: ['viewStart', 'viewEnd'].map((k) => Number(document.querySelector('[data-testid=tl-bar]').dataset[k])),
      };
    });
    const binWidth = (lane.view[1] - lane.view[0]) / 240;
    assert.ok(lane.bins.some(([, l]) => l === 1), `no full-height motion bar: ${JSON.stringify(lane.bins)}`);
    for (const [t, l] of lane.bins) {
      assert.ok(l > 0 && l <= 1, `motion level ${l}`);
      assert.ok(lane.spans.some((s) => s[0] < t + binWidth && s[1] > t), `a motion bar at ${t} outside the spans ${JSON.stringify(lane.spans)}`);
    }
    shots.push(await screenshot(page, 'timeline'));

    const bar = page.locator('[data-testid=tl-bar]');
    const video = page.locator('[data-testid=tl-video]');
    // x of wall time t on the bar as the page lays it out, and back.
    const geometry = async () => {
      const box = await bar.boundingBox();
      const [v0, v1] = await bar.evaluate((b) => [Number(b.dataset.viewStart), Number(b.dataset.viewEnd)]);
      return { box, v0, v1 };
    };
    const xOf = ({ box, v0, v1 }, t) => box.x + ((t - v0) / (v1 - v0)) * box.width;
    const tOf = ({ box, v0, v1 }, x) => v0 + ((x - box.x) / box.width) * (v1 - v0);
    await page.evaluate(() => {
      const v = document.querySelector('[data-testid=tl-video]');
      v.addEventListener('seeked', () => {
        window.seekedAt = v.currentTime;
      });
    });
    const waitSeeked = async () => {
      await page.waitForFunction(() => window.seekedAt !== null && window.seekedAt !== undefined, null, { timeout: 60000 });
      return page.evaluate(() => window.seekedAt);
    };

    // A first click on the whole day (about a minute a pixel), then zoomed in around the
    // playhead, the click that is measured.
    const clickAt = 40;
    const want = target.start_time - clickAt; // a file boundary and the target event follow
    let g = await geometry();
    await page.evaluate(() => (window.seekedAt = null));
    await page.mouse.click(xOf(g, want), g.box.y + g.box.height * 0.8);
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid=tl-video]');
      return !v.paused && v.readyState >= 3 && document.querySelector('[data-testid=tl-playhead]').dataset.wall;
    }, null, { timeout: 60000 });
    for (let i = 0; i < 4; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.keyboard.press(' '); // pause: the measured click then seeks a still video
    await page.waitForFunction(() => document.querySelector('[data-testid=tl-video]').paused);
    g = await geometry();
    assert.ok(g.v1 - g.v0 <= 400, `zoomed view ${g.v1 - g.v0} s`);
    // Pan: half the view earlier, then back (within the day).
    const dayStart = await bar.evaluate((b) => Number(b.dataset.dayStart));
    const moved = (from) =>
      page.waitForFunction((v0) => Number(document.querySelector('[data-testid=tl-bar]').dataset.viewStart) !== v0, from);
    await page.getByRole('button', { name: 'Earlier' }).click();
    await moved(g.v0);
    const earlier = await geometry();
    assert.ok(Math.abs(earlier.v0 - Math.max(dayStart, g.v0 - (g.v1 - g.v0) / 2)) < 1e-3, `panned from ${g.v0} to ${earlier.v0}`);
    assert.ok(Math.abs(earlier.v1 - earlier.v0 - (g.v1 - g.v0)) < 1e-3, 'the pan changed the zoom');
    await page.getByRole('button', { name: 'Later' }).click();
    await moved(earlier.v0);
    g = await geometry();
    assert.ok(g.v0 < want && want < g.v1, `${want} is not in the view [${g.v0}, ${g.v1}] after panning back`);
    const x = xOf(g, want);
    const clicked = tOf(g, x);
    await page.evaluate(() => (window.seekedAt = null));
    await page.mouse.click(x, g.box.y + g.box.height * 0.8);
    const media = await waitSeeked();
    const playlist = await video.evaluate((v) => v.dataset.playlist);
    const played = await vodWallAt(vigil.base, playlist, media);
    assert.ok(Math.abs(played - clicked) <= 1, `clicked ${clicked}, plays from ${played} (media ${media} of ${playlist})`);

    // Playback across the next recording file boundary: currentTime sampled every frame.
    const boundary = latest.map((r) => r.start_time).find((s) => s > clicked + 1);
    assert.ok(boundary !== undefined && boundary + 3 < latest[latest.length - 1].end_time, 'no file boundary ahead');
    await page.evaluate(() => {
      const v = document.querySelector('[data-testid=tl-video]');
      window.samples = [];
      const sample = () => {
        window.samples.push([performance.now(), v.currentTime, v.paused]);
        if (window.sampling) requestAnimationFrame(sample);
      };
      window.sampling = true;
      requestAnimationFrame(sample);
    });
    // The click plays on from there (samples while still paused do not count).
    await page.waitForFunction(
      (b) => Number(document.querySelector('[data-testid=tl-playhead]').dataset.wall) > b + 2,
      boundary,
      { timeout: 90000 },
    );
    const samples = await page.evaluate(() => {
      window.sampling = false;
      return window.samples;
    });
    // The longest stretch without progress once playing started (not while paused).
    let stall = 0;
    let since = null;
    let last = null;
    for (const [t, ct, paused] of samples) {
      if (paused) {
        since = null;
        continue;
      }
      if (since === null || ct !== last) {
        since = t;
        last = ct;
      } else stall = Math.max(stall, t - since);
    }
    console.log(`across the boundary at ${boundary}: ${samples.length} samples, longest stall ${stall.toFixed(0)} ms`);
    assert.ok(samples.length > 30, `${samples.length} samples`);
    assert.ok(stall <= 500, `stalled ${stall.toFixed(0)} ms around the file boundary`);

    // "Next event" (n) from the playhead: the first mark after it.
    const at = Number(await page.locator('[data-testid=tl-playhead]').evaluate((h) => h.dataset.wall));
    const next = marks.filter((m) => m > at + 0.5).sort((a, b) => a - b)[0];
    assert.ok(next !== undefined, `no event after ${at}`);
    await page.evaluate(() => (window.seekedAt = null));
    await page.keyboard.press('n');
    const landed = await vodWallAt(vigil.base, await video.evaluate((v) => v.dataset.playlist), await waitSeeked());
    assert.ok(Math.abs(landed - next) <= 1, `next event at ${next}, landed at ${landed}`);
    shots.push(await screenshot(page, 'timeline-playing'));

    // Export: in at the playhead, about 20 s later out (l = +10 s twice), then Export.
    await page.getByTestId('mark-in').click();
    for (let i = 0; i < 2; i++) {
      await page.evaluate(() => (window.seekedAt = null));
      await page.keyboard.press('l');
      await waitSeeked();
    }
    await page.getByTestId('mark-out').click();
    assert.match(await page.getByTestId('export-range').innerText(), /\(\d+\.\d s\)/);
    await page.getByRole('textbox', { name: 'Export name' }).fill('timeline test');
    await page.getByTestId('export-start').click();
    const done = page.locator('[data-testid=export][data-state=done]', { hasText: 'timeline test' });
    await done.waitFor({ timeout: 180000 });
    const href = await done.getByTestId('export-download').getAttribute('href');
    const part = await fetch(vigil.base + href, { headers: { Range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const listed = await vigil.json('/api/exports');
    assert.ok(listed.some((e) => e.name === 'timeline test' && !e.in_progress && e.error === null), JSON.stringify(listed));
    shots.push(await screenshot(page, 'timeline-export'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('phone width: no horizontal scrolling', async () => {
    const page = await newPage(browser, { width: 390, height: 844 });
    await page.goto(`${vigil.base}/timeline/walk`);
    await page.waitForSelector('[data-testid=tl-span]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    shots.push(await screenshot(page, 'timeline-mobile'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
