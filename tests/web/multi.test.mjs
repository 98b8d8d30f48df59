// The side-by-side page (issue 13) in headless Chromium against a vigil with two cameras
// recording vtest in 20 s files and a third that does not record. Opened at a time inside
// the recordings it chooses the two recording cameras; both videos play from that time
// (each video's media time mapped back to wall time through the playlist it plays, by the
// test's own reading of it, within 1 s); while playing, the two stay within 0.5 s of each
// other, sampled frame by frame, and a follower pushed 2 s off is brought back; one
// pause/play for both; +10 s and j (−10 s) move both; the third camera, chosen,
// shows "No recording at …"; the Timeline page links here; at phone width one column.
// Screenshots in build/web-screenshots/.
// Run by CTest (`web_multi`), or by hand: node --test tests/web/multi.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { env, launchBrowser, newPage, otherTimeZone, screenshot, Vigil, vodWallAt } from './harness.mjs';

const camera = (name, record) => `  ${name}:
    ffmpeg:
      inputs:
        - path: ${path.join(env.media, 'vtest.mp4')}
          input_args: -re -stream_loop -1
          roles: [detect${record ? ', record' : ''}]
    width: 768
    height: 576
    fps: 5
    detect: {enabled: false}
    record: {enabled: ${record}}
`;
const CAMERAS = `cameras:\n${camera('front', true)}${camera('back', true)}${camera('still', false)}`;
const RECORDING = ['front', 'back'];
// A URL predicate: the page lists these cameras (in the config's order) and a time.
const chosen = (...cams) => (u) => u.searchParams.get('cameras')?.split(',').sort().join() === cams.sort().join() && /^\d+$/.test(u.searchParams.get('t'));

describe('Side-by-side page', { timeout: 300000 }, () => {
  let vigil;
  let browser;
  let t; // the time asked for: inside both cameras' recordings
  const shots = [];

  before(async () => {
    process.env.VIGIL_TEST_RECORD_SEGMENT_SECONDS = '20'; // several recording files in a minute
    vigil = await Vigil.start(CAMERAS);
    browser = await launchBrowser();
    // ≥ 60 s recorded by both: t 15 s into the later start leaves room for ±10 s.
    const now = Date.now() / 1000;
    const firsts = [];
    for (const c of RECORDING) {
      const recs = await vigil.waitFor(
        `/api/${c}/recordings?after=${Math.floor(now - 3600)}&before=${Math.ceil(now + 3600)}`,
        (r) => r.length >= 3 && Math.max(...r.map((x) => x.end_time)) - Math.min(...r.map((x) => x.start_time)) >= 60,
        180000,
        `${c}: less than a minute of recordings`,
      );
      firsts.push(Math.min(...recs.map((x) => x.start_time)));
    }
    t = Math.ceil(Math.max(...firsts) + 15);
  });

  after(async () => {
    if (shots.length) console.log(`screenshots:\n  ${shots.join('\n  ')}`);
    await browser?.close();
    await vigil?.stop();
    vigil?.removeDir();
  });

  test('both cameras play the same time, in step, ±10 s; no recording on the third', async () => {
    // In another time zone than vigil's (the playlists' UTC times map media to wall time).
    const page = await newPage(browser, undefined, { timezoneId: otherTimeZone });
    // Every seek of every video, with its camera and playlist (seeked does not bubble:
    // a capturing listener).
    await page.addInitScript(() => {
      window.seeks = [];
      document.addEventListener(
        'seeked',
        (e) => window.seeks.push({ camera: e.target.closest('[data-camera]')?.dataset.camera, t: e.target.currentTime, playlist: e.target.dataset.playlist }),
        true,
      );
    });
    // The first seek of each recording camera since `from` (an index into window.seeks),
    // as wall time by the test's reading of its playlist.
    const seekedWalls = async (from) => {
      await page.waitForFunction(
        ([from, cams]) => cams.every((c) => window.seeks.slice(from).some((s) => s.camera === c)),
        [from, RECORDING],
        { timeout: 60000 },
      );
      const seeks = await page.evaluate(() => window.seeks);
      const out = {};
      for (const c of RECORDING) {
        const s = seeks.slice(from).find((x) => x.camera === c);
        out[c] = await vodWallAt(vigil.base, s.playlist, s.t);
      }
      return out;
    };
    const video = (c) => `[data-camera=${c}] video`;
    // Both play on: each video's media time at least `s` past its latest seek.
    const playOn = (s) =>
      page.waitForFunction(
        ([cams, s]) =>
          cams.every((c) => {
            const v = document.querySelector(`[data-camera=${c}] video`);
            const last = window.seeks.filter((x) => x.camera === c).pop();
            return !v.paused && v.readyState >= 3 && last && v.currentTime > last.t + s;
          }),
        [RECORDING, s],
        { timeout: 60000 },
      );
    // Both videos' media times in the same frame, 60 frames running: the largest gap
    // between their wall times (the test's mapping), and the page's own (data-wall).
    const inStep = async () => {
      await page.evaluate(() => {
        window.samples = [];
        const vs = ['front', 'back'].map((c) => document.querySelector(`[data-camera=${c}] video`));
        const sample = () => {
          window.samples.push(vs.map((v) => [v.currentTime, v.dataset.playlist, Number(v.dataset.wall)]));
          if (window.samples.length < 60) requestAnimationFrame(sample);
        };
        requestAnimationFrame(sample);
      });
      await page.waitForFunction(() => window.samples.length >= 60, null, { timeout: 30000 });
      const samples = await page.evaluate(() => window.samples);
      let gap = 0;
      let pageGap = 0;
      for (const [[ta, pa, wa], [tb, pb, wb]] of samples) {
        gap = Math.max(gap, Math.abs((await vodWallAt(vigil.base, pa, ta)) - (await vodWallAt(vigil.base, pb, tb))));
        pageGap = Math.max(pageGap, Math.abs(wa - wb));
      }
      return { gap, pageGap, first: samples[0] };
    };

    // Without a choice: the cameras with recordings.
    await page.goto(`${vigil.base}/multi?t=${t}`);
    await page.waitForURL(chosen('front', 'back'));
    for (const c of RECORDING) assert.ok(await page.getByRole('checkbox', { name: c }).isChecked(), `${c} not chosen`);
    assert.ok(!(await page.getByRole('checkbox', { name: 'still' }).isChecked()), 'still (no recordings) chosen');

    // Both start at t and play in step.
    const started = await seekedWalls(0);
    for (const c of RECORDING) assert.ok(Math.abs(started[c] - t) <= 1, `${c} starts at ${started[c]}, asked for ${t}`);
    await playOn(3);
    let s = await inStep();
    console.log(`asked ${t}: started ${JSON.stringify(started)}, in step within ${s.gap.toFixed(3)} s (page ${s.pageGap.toFixed(3)} s)`);
    assert.ok(s.gap <= 0.5, `the videos are ${s.gap.toFixed(3)} s apart`);
    assert.ok(s.pageGap <= 0.5, `the page maps them ${s.pageGap.toFixed(3)} s apart`);
    shots.push(await screenshot(page, 'multi'));

    // A follower pushed 2 s off is seeked back to the leader's time.
    const follower = await page.$eval('[data-testid=multi-video][data-leader=false]', (v) => v.closest('[data-camera]').dataset.camera);
    let from = await page.evaluate(() => window.seeks.length);
    await page.locator(video(follower)).evaluate((v) => (v.currentTime += 2));
    await page.waitForFunction(([c, from]) => window.seeks.slice(from).filter((x) => x.camera === c).length >= 2, [follower, from], { timeout: 30000 });
    await playOn(1);
    s = await inStep();
    console.log(`${follower} pushed 2 s ahead: in step again within ${s.gap.toFixed(3)} s`);
    assert.ok(s.gap <= 0.5, `the pushed follower is ${s.gap.toFixed(3)} s off`);

    // One pause and play for both.
    await page.getByTestId('multi-play').click();
    await page.waitForFunction((cams) => cams.every((c) => document.querySelector(`[data-camera=${c}] video`).paused), RECORDING);
    await page.getByTestId('multi-play').click();
    await page.waitForFunction((cams) => cams.every((c) => !document.querySelector(`[data-camera=${c}] video`).paused), RECORDING);

    // +10 s (button), then j (−10 s): both move from the shared time, and stay in step.
    for (const [press, delta] of [[() => page.getByRole('button', { name: '+10 s' }).click(), 10], [() => page.keyboard.press('j'), -10]]) {
      from = await page.evaluate(() => window.seeks.length);
      const before = Number(await page.getByTestId('multi-clock').getAttribute('data-wall'));
      await press();
      const moved = await seekedWalls(from);
      for (const c of RECORDING)
        assert.ok(Math.abs(moved[c] - (before + delta)) <= 1, `${delta > 0 ? '+' : ''}${delta} s from ${before}: ${c} at ${moved[c]}`);
      await playOn(2);
      s = await inStep();
      console.log(`${delta} s from ${before.toFixed(3)}: ${JSON.stringify(moved)}, in step within ${s.gap.toFixed(3)} s`);
      assert.ok(s.gap <= 0.5, `after ${delta} s the videos are ${s.gap.toFixed(3)} s apart`);
    }

    // The camera that does not record, chosen: its note instead of a video; the others play on.
    await page.getByRole('checkbox', { name: 'still' }).check();
    await page.waitForURL(chosen('front', 'back', 'still'));
    const note = page.locator('[data-camera=still] [data-testid=multi-none]');
    await note.waitFor();
    assert.match(await note.innerText(), /^No recording at \d\d:\d\d:\d\d$/);
    assert.ok(await page.locator(video('still')).isHidden());
    for (const c of RECORDING) assert.equal(await page.locator(`[data-camera=${c}]`).getAttribute('data-state'), 'ready');
    shots.push(await screenshot(page, 'multi-three'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('linked from the Timeline page; one column at phone width', async () => {
    const page = await newPage(browser, { width: 390, height: 844 });
    await page.goto(`${vigil.base}/timeline/front`);
    await page.waitForSelector('[data-testid=tl-span]'); // the link's time: the first recording
    await page.getByTestId('tl-multi').click();
    await page.waitForURL((u) => u.pathname === '/multi' && chosen('front', 'back')(u));
    await page.goto(`${vigil.base}/multi?cameras=front,back,still&t=${t}`);
    await page.locator('[data-camera=still] [data-testid=multi-none]').waitFor();
    await page.waitForFunction((cams) => cams.every((c) => document.querySelector(`[data-camera=${c}] video`).readyState >= 2), RECORDING);
    const xs = await page.$$eval('[data-testid=multi-tile]', (els) => els.map((e) => e.getBoundingClientRect().x));
    assert.equal(new Set(xs).size, 1, `tiles at x ${xs}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
    shots.push(await screenshot(page, 'multi-mobile'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
