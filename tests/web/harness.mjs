// Browser test harness: starts the real vigil binary on a free port with a temporary
// media folder and a config looping vtest.mp4, and a headless Debian Chromium through
// playwright-core (no browser download).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = path.resolve(here, '../..');
// playwright-core is a devDependency of web/ (installed by `npm ci` there).
const require = createRequire(path.join(sourceDir, 'web/package.json'));
const { chromium } = require('playwright-core');

export const env = {
  bin: process.env.VIGIL_BIN || path.join(sourceDir, 'build/vigil'),
  media: process.env.VIGIL_TEST_MEDIA || path.join(sourceDir, 'build/media'),
  webDir: process.env.VIGIL_WEB_DIR || path.join(sourceDir, 'web/dist'),
  screenshots: process.env.VIGIL_SCREENSHOTS || path.join(sourceDir, 'build/web-screenshots'),
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The one polling loop of the web tests (for states outside the page; inside it,
// playwright's waits): calls `check` every `intervalMs` until it returns a truthy
// value, which it returns, or until `timeoutMs` passed (then undefined).
export async function pollUntil(check, timeoutMs, intervalMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() >= end) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs)); // the poll interval
  }
}

// Resolves after `ms`: an upper bound to race a wait against, never a wait by itself.
const deadline = (ms) => new Promise((r) => setTimeout(r, ms));

export class Vigil {
  constructor(port, dir, proc) {
    this.port = port;
    this.dir = dir;
    this.proc = proc;
    this.base = `http://127.0.0.1:${port}`;
  }

  // `storage`: the config's storage map (YAML flow), e.g. with archive tiers.
  static async start(camerasYaml, { storage = '{min_free_mb: 0}' } = {}) {
    if (!fs.existsSync(path.join(env.webDir, 'index.html'))) throw new Error(`the web UI is not built (no ${env.webDir}/index.html): run make`);
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-web-'));
    const config = `api:\n  host: 127.0.0.1\n  port: ${port}\nmedia_dir: ${dir}/media\nstorage: ${storage}\n${camerasYaml}`;
    fs.writeFileSync(path.join(dir, 'config.yml'), config);
    const log = fs.openSync(path.join(dir, 'vigil.log'), 'a');
    const proc = spawn(env.bin, ['--config', path.join(dir, 'config.yml')], {
      stdio: ['ignore', log, log],
      env: { ...process.env, VIGIL_WEB_DIR: env.webDir },
    });
    const v = new Vigil(port, dir, proc);
    // Never leave vigil behind when this process ends early.
    const kill = () => proc.exitCode === null && proc.kill('SIGKILL');
    process.once('exit', kill);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'])
      process.once(sig, () => {
        kill();
        process.exit(128);
      });
    const ready = await pollUntil(
      async () => {
        if (proc.exitCode !== null) throw new Error(`vigil exited (${proc.exitCode}):\n${v.log()}`);
        try {
          return (await fetch(`${v.base}/api/`)).ok;
        } catch {
          return false; // not listening yet
        }
      },
      60000,
      100,
    );
    if (ready) return v;
    v.stop();
    throw new Error(`vigil did not answer within 60 s:\n${v.log()}`);
  }

  log() {
    try {
      return fs.readFileSync(path.join(this.dir, 'vigil.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async json(p) {
    const r = await fetch(this.base + p);
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json();
  }

  // Polls `p` until `ok(json)` is truthy; returns that JSON or throws `message`.
  async waitFor(p, ok, timeoutMs, message) {
    let last;
    const got = await pollUntil(
      async () => {
        last = await this.json(p);
        return ok(last) && last;
      },
      timeoutMs,
      1000,
    );
    if (got) return got;
    throw new Error(`${message} (waited ${timeoutMs / 1000} s; last ${p}: ${JSON.stringify(last).slice(0, 300)})`);
  }

  async stop() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([exited, deadline(10000)]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  removeDir() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  if (!fs.existsSync(env.chromium)) throw new Error(`no Chromium at ${env.chromium} (scripts/bootstrap installs Debian's chromium)`);
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--mute-audio', '--autoplay-policy=no-user-gesture-required'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: env.chromium, headless: true, args });
}

// A page that records console errors and uncaught exceptions.
// A time zone other than this machine's (vigil's): a page opened in it must not depend
// on vigil's time zone (recording file names are vigil's local time). St John's is
// UTC−3:30 (−2:30 in summer), Kathmandu UTC+5:45.
export const otherTimeZone = [150, 210].includes(new Date().getTimezoneOffset()) ? 'Asia/Kathmandu' : 'America/St_Johns';

// `options`: more browser context options (timezoneId, …).
export async function newPage(browser, viewport = { width: 1280, height: 900 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()} (${m.location().url || ''})`);
  });
  page.on('pageerror', (e) => page.errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText || '';
    // Aborted requests are normal (navigation away, refreshes replaced); anything else is not.
    if (!/ERR_ABORTED/.test(f)) page.errors.push(`request failed: ${r.url()} ${f}`);
  });
  return page;
}

export async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  const file = path.join(env.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Wall time of a /vod/ segment name's start, as vigil names it: the recording file's
// local YYYYMMDDHHMMSS and the offset into it in ms (this process shares vigil's TZ).
export function segmentWall(name) {
  const m = /seg-(\d+)-(\d{14})-(\d+)-/.exec(name);
  const id = m[2];
  const n = (a, b) => Number(id.slice(a, b));
  return new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14)).getTime() / 1000 + Number(m[3]) / 1000;
}

// Media time t of the /vod/ playlist at `url` (under `base`) as wall time: the tests' own
// reading of the playlist, independent of the page's (web/src/vod_player.js).
export async function vodWallAt(base, url, t) {
  const text = await (await fetch(base + url)).text();
  let pos = 0;
  let dur = 0;
  let found = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXTINF:')) dur = parseFloat(line.slice(8));
    else if (line.startsWith('seg-')) {
      if (pos <= t + 1e-3) found = segmentWall(line) + (t - pos);
      pos += dur;
    }
  }
  if (found === null) throw new Error(`media time ${t} is not in ${url}:\n${text}`);
  return found;
}
