// Keeps several cameras' recordings on the same wall time (the side-by-side page,
// multi.jsx). Each camera plays through its own VodPlayer (vod_player.js maps media time
// to wall time through its playlist); the first camera in display order that plays leads,
// and every other one follows the leader's wall time: a follower more than DRIFT off it
// is seeked to it (a little ahead, by what its last correction took). A camera with no
// recording at the shared time shows a note and joins in once the time reaches one of
// its recordings. Play/pause and jumps apply to the whole group.
import { request } from './api.js';
import { VodPlayer, WINDOW_SECONDS } from './vod_player.js';

export const DRIFT = 0.3; // seconds a follower may be off the leader's wall time
const RESEEK_MS = 1000; // a corrected follower is left alone this long (its seek settles)
const TICK_MS = 200; // how often the followers are checked and the clock is updated

export class SyncGroup {
  // `wall`: the time to start at; `onTick(wall, leaderCamera)` after every check.
  constructor(wall, onTick) {
    this.wall = wall; // the shared wall time: the leader's while one plays, else the last asked for
    this.playing = true; // the shared play/pause: what every tile with a recording does
    this.onTick = onTick;
    this.tiles = new Map(); // camera → tile (see add)
    this.order = []; // cameras as shown; the first that plays becomes the leader
    this.leader = null; // the leading tile, kept while it plays (no switching between equals)
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  destroy() {
    clearInterval(this.timer);
    for (const c of [...this.tiles.keys()]) this.remove(c);
  }

  // A camera's <video> joins the group and starts at the shared time; `onState({state,
  // at, message})` tells the page what to show.
  add(camera, video, onState) {
    const tile = {
      camera,
      video,
      onState,
      player: null, // its VodPlayer (one playlist window at a time)
      state: 'loading', // 'loading' | 'ready' (plays the shared time) | 'none' (no recording at it) | 'error'
      gen: 0, // number of the latest start(): an older one that resolves late is dropped
      seekAt: 0, // performance.now() of the last drift correction
      correcting: false, // a drift correction's seek is under way (its cost is measured)
      seekCost: 0.3, // seconds the last correction took: the next one aims that far ahead
      listeners: new AbortController(), // removes the video listeners with the tile
    };
    tile.player = new VodPlayer(video, camera, { onError: (message) => this.set(tile, { state: 'error', message }) });
    video.addEventListener(
      'seeked',
      () => {
        if (!tile.correcting) return;
        tile.correcting = false;
        tile.seekCost = Math.min(1, (performance.now() - tile.seekAt) / 1000);
      },
      { signal: tile.listeners.signal },
    );
    this.tiles.set(camera, tile);
    this.start(tile, this.wall);
    return tile;
  }

  remove(camera) {
    const tile = this.tiles.get(camera);
    if (!tile) return;
    tile.gen++;
    tile.listeners.abort();
    tile.player.destroy();
    this.tiles.delete(camera);
    if (this.leader === tile) this.leader = null;
  }

  set(tile, s) {
    tile.state = s.state;
    tile.onState(s);
  }

  none(tile, w) {
    tile.video.pause();
    this.set(tile, { state: 'none', at: w });
  }

  // Plays `tile` from wall time w, or shows that it has no recording at w.
  async start(tile, w) {
    const gen = ++tile.gen;
    this.set(tile, { state: 'loading' });
    try {
      // A camera without recordings around w is not asked for a playlist (a 404).
      if (!tile.player.covers(w)) {
        const recs = await request(`api/${encodeURIComponent(tile.camera)}/recordings`, {
          params: { after: Math.floor(w - WINDOW_SECONDS / 2), before: Math.ceil(w + WINDOW_SECONDS / 2) },
        });
        if (gen !== tile.gen) return;
        if (!recs.length) return this.none(tile, w);
      }
      await tile.player.playAt(w, { play: false });
      if (gen !== tile.gen) return;
      // In a gap the player would start at the next recording: the others are not there.
      if (!tile.player.covers(w)) return this.none(tile, w);
      this.set(tile, { state: 'ready' });
      if (this.playing) tile.video.play().catch(() => {}); // refused autoplay: the user presses play
    } catch (e) {
      if (gen !== tile.gen) return;
      // vod_player's "No recording(s) …": nothing at or after w in the window.
      if (/^No recording/.test(e.message)) this.none(tile, w);
      else this.set(tile, { state: 'error', message: e.message });
    }
  }

  // Every tile to wall time w.
  seek(w) {
    this.wall = w;
    for (const tile of this.tiles.values()) this.start(tile, w);
  }

  step(seconds) {
    this.seek(this.wall + seconds);
  }

  toggle() {
    this.playing = !this.playing;
    for (const tile of this.tiles.values()) this.applyPlaying(tile);
  }

  applyPlaying(tile) {
    if (tile.state !== 'ready') return;
    const v = tile.video;
    if (this.playing && v.paused && !v.ended) v.play().catch(() => {});
    else if (!this.playing && !v.paused) v.pause();
  }

  wallOf(tile) {
    return tile.state === 'ready' ? tile.player.wallAt(tile.video.currentTime) : null;
  }

  tick() {
    const plays = (t) => t && t.state === 'ready' && !t.video.ended && this.wallOf(t) !== null;
    if (!plays(this.leader)) this.leader = this.order.map((c) => this.tiles.get(c)).find(plays) || null;
    const lead = this.leader;
    if (lead) this.wall = this.wallOf(lead);
    for (const tile of this.tiles.values()) {
      if (lead && tile !== lead) this.follow(tile);
      this.applyPlaying(tile);
      // The page's mapping of each video, for the clock's readers (and the browser test).
      const w = this.wallOf(tile);
      tile.video.dataset.wall = w === null ? '' : w.toFixed(3);
      tile.video.dataset.leader = tile === lead ? 'true' : 'false';
    }
    this.onTick(this.wall, lead?.camera ?? null);
  }

  follow(tile) {
    const w = this.wall;
    if (tile.state === 'none') {
      if (tile.player.covers(w)) this.start(tile, w); // the time reached one of its recordings
      return;
    }
    if (tile.state !== 'ready') return;
    if (!tile.player.covers(w)) {
      // Past its playlist's window: another window may hold w; in a gap: the note.
      const span = tile.player.span;
      if (span && (w < span[0] || w >= span[1])) this.start(tile, w);
      else this.none(tile, w);
      return;
    }
    const fw = this.wallOf(tile);
    if (fw === null && tile.player.startAt !== null) return; // its new window is still starting
    const now = performance.now();
    if ((fw === null || Math.abs(fw - w) > DRIFT) && !tile.video.seeking && now - tile.seekAt > RESEEK_MS) {
      tile.seekAt = now;
      tile.correcting = true;
      const ahead = this.playing && !this.leader.video.paused ? tile.seekCost : 0;
      tile.player.playAt(w + ahead, { play: false }).catch(() => {});
    }
  }
}
