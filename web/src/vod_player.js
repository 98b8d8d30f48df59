// Plays a camera's recordings at a wall-clock time: hls.js (its light build: no
// subtitles, alternate audio or DRM; a chunk of its own, loaded on first use) on
// /vod/<camera>/start/<s>/end/<e>/index.m3u8, a window of an hour around the time asked
// for. The playlist plays the files back to back (gaps collapse), so media time is
// mapped to wall time through each segment's #EXT-X-PROGRAM-DATE-TIME (UTC; vigil writes
// one per segment), else through its name, which holds the recording file it starts in
// (YYYYMMDDHHMMSS, vigil's local time: right only in vigil's time zone) and the offset.
import { url } from './api.js';

export const WINDOW_SECONDS = 3600; // the span of one playlist, centred on the time asked

let hlsModule = null;
const loadHls = () => (hlsModule ||= import('hls.js/light').then((m) => m.default));

// "seg-<position ms>-<from id>-<from ms>-<to id>-<to ms>.ts" → wall time of its start.
const SEG = /seg-(\d+)-(\d{14})-(\d+)-(\d{14})-(\d+)\.ts/;
export function segmentWall(uri) {
  const m = SEG.exec(uri);
  if (!m) return null;
  const id = m[2];
  const n = (a, b) => Number(id.slice(a, b));
  const fileStart = new Date(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14)).getTime() / 1000;
  return fileStart + Number(m[3]) / 1000;
}

export class VodPlayer {
  constructor(video, camera, { onError, onWindow } = {}) {
    this.video = video;
    this.camera = camera;
    this.onError = onError; // (message) on a fatal playback error
    this.onWindow = onWindow; // () after a new playlist was loaded
    this.hls = null; // the hls.js instance of the current window
    this.frags = []; // [{start, duration, wall}] of the current playlist, in media order
    this.src = ''; // the current playlist's URL ('' before the first)
    // Media time a new window starts at until the video is there: hls.js applies its
    // startPosition only once the first fragment is buffered, and until then the video
    // reads 0, the wrong wall time (the side-by-side page synced cameras to it).
    this.startAt = null;
  }

  destroy() {
    this.hls?.destroy();
    this.hls = null;
    this.frags = [];
    this.startAt = null;
  }

  // Wall time at media time t (null without a playlist, or while a new window has not
  // reached its start).
  wallAt(t) {
    if (this.startAt !== null) {
      if (Math.abs(t - this.startAt) > 1) return null;
      this.startAt = null;
    }
    const f = this.fragAtMedia(t);
    return f ? f.wall + (t - f.start) : null;
  }

  fragAtMedia(t) {
    let found = null;
    for (const f of this.frags) {
      if (f.start > t + 1e-3) break;
      found = f;
    }
    return found;
  }

  // Media time of wall time w; a time in a gap maps to the start of the next recording,
  // null when w is outside the playlist.
  mediaAt(w) {
    for (const f of this.frags) {
      if (w < f.wall) return f.start; // in a gap: the next recorded moment
      if (w < f.wall + f.duration) return f.start + (w - f.wall);
    }
    return null;
  }

  // Whether wall time w is recorded in the loaded playlist (not in a gap or outside it).
  covers(w) {
    return this.frags.some((f) => w >= f.wall && w < f.wall + f.duration);
  }

  // First and last wall times of the playlist.
  get span() {
    if (!this.frags.length) return null;
    const last = this.frags[this.frags.length - 1];
    return [this.frags[0].wall, last.wall + last.duration];
  }

  // Plays from wall time `w`: a seek within the loaded playlist, else a new window.
  async playAt(w, { play = true } = {}) {
    const span = this.span;
    // Near the end of a window that ended at "now" a newer playlist may hold more.
    if (!span || w < span[0] - 0.5 || w > span[1] - 1) {
      await this.load(w);
    } else {
      const m = this.mediaAt(w);
      if (m === null) throw new Error('No recording at or after this time.');
      this.startAt = null; // this seek decides where the video is
      this.video.currentTime = m;
    }
    if (play) await this.video.play().catch(() => {}); // refused autoplay: the user presses play
  }

  // Loads the window around wall time w and starts it at w (hls.js's startPosition, so
  // no second seek after its own start); resolves when the media is attached.
  async load(w) {
    const [Hls, [frags, src]] = await Promise.all([loadHls(), this.fetchPlaylist(w)]);
    this.destroy();
    this.src = src;
    this.frags = frags;
    this.video.dataset.playlist = src; // which playlist plays (tests map its times back)
    const m = this.mediaAt(w);
    if (m === null) throw new Error('No recording at or after this time.');
    if (!Hls.isSupported()) {
      // Safari plays HLS natively.
      this.video.src = src;
      await new Promise((r) => this.video.addEventListener('loadedmetadata', r, { once: true }));
      this.video.currentTime = m;
    } else {
      this.startAt = m; // pending until the video is near m (or playAt seeks elsewhere)
      const hls = new Hls({ startPosition: m, maxBufferLength: 30, backBufferLength: 60 });
      this.hls = hls;
      hls.on(Hls.Events.ERROR, (_, d) => {
        if (d.fatal && hls === this.hls) this.onError?.(`Playback failed (${d.details}).`);
      });
      hls.loadSource(src);
      hls.attachMedia(this.video);
    }
    this.onWindow?.();
  }

  // The playlist of the window around w: its segments and URL.
  async fetchPlaylist(w) {
    const start = Math.floor(w - WINDOW_SECONDS / 2);
    const end = Math.min(Math.ceil(w + WINDOW_SECONDS / 2), Math.ceil(Date.now() / 1000) + 60);
    const src = url(`vod/${encodeURIComponent(this.camera)}/start/${start}/end/${end}/index.m3u8`);
    const res = await fetch(src);
    if (!res.ok) throw new Error(res.status === 404 ? 'No recordings around this time.' : `${res.status} ${res.statusText}`);
    const frags = [];
    let t = 0;
    let dur = 0;
    let pdt = null; // the next segment's #EXT-X-PROGRAM-DATE-TIME, Unix seconds
    for (const line of (await res.text()).split('\n')) {
      if (line.startsWith('#EXTINF:')) dur = parseFloat(line.slice(8));
      else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25)) / 1000;
      else if (line.startsWith('seg-')) {
        const wall = Number.isFinite(pdt) ? pdt : segmentWall(line);
        if (wall !== null) frags.push({ start: t, duration: dur, wall });
        t += dur;
        pdt = null;
      }
    }
    return [frags, src];
  }
}
