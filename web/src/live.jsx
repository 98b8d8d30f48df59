// Live video by stream copy (GET /live/<camera>.mp4, fragmented MP4, one fragment per
// frame) played through Media Source Extensions. Shows `fallback` (the JPEG view) with a
// visible note when the browser cannot play the codec (H.265 in Chromium), has no MSE,
// or the stream fails.
import { useEffect, useRef, useState } from 'preact/hooks';
import { isAbort, url } from './api.js';

const MAX_BEHIND = 1.5; // s behind the newest buffered frame before jumping to the live edge
const EDGE = 0.3; // s kept between the play position and the newest frame after a jump
const KEEP = 10; // s of played video kept in the buffer (older is removed)
const RECONNECTS = 3; // streams that end (the camera reconnected) before giving up

// A localStorage value, or null (private mode).
export function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

// Feeds one fetch's body into a SourceBuffer. Resolves when the stream ends (the server
// closed it: the camera's input changed), rejects on failure.
async function play(video, camera, signal, onInfo) {
  if (!window.MediaSource) throw new Error('this browser has no Media Source Extensions');
  const res = await fetch(url(`live/${encodeURIComponent(camera)}.mp4`), { signal, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`the server answered ${res.status}`);
  const type = res.headers.get('Content-Type') || '';
  if (!MediaSource.isTypeSupported(type)) {
    res.body?.cancel();
    throw new Error(`this browser cannot play ${type.match(/codecs="([^"]*)"/)?.[1] || type}`);
  }
  const epoch = parseFloat(res.headers.get('X-Vigil-Stream-Epoch'));
  video.dataset.epoch = epoch; // wall time of media time 0 (the delay: now − epoch − currentTime)
  const ms = new MediaSource();
  const src = URL.createObjectURL(ms);
  video.src = src;
  try {
    await new Promise((resolve) => ms.addEventListener('sourceopen', resolve, { once: true }));
    const sb = ms.addSourceBuffer(type);
    sb.mode = 'segments'; // the stream's own timestamps: the delay is epoch + currentTime
    const queue = [];
    let failed = null;
    const pump = () => {
      if (sb.updating || ms.readyState !== 'open') return;
      const b = sb.buffered;
      if (b.length && video.currentTime - b.start(0) > KEEP + 5) {
        sb.remove(b.start(0), video.currentTime - KEEP);
        return;
      }
      if (!queue.length) return;
      const n = queue.reduce((s, c) => s + c.length, 0);
      const data = new Uint8Array(n);
      let off = 0;
      for (const c of queue.splice(0)) {
        data.set(c, off);
        off += c.length;
      }
      try {
        sb.appendBuffer(data);
      } catch (e) {
        failed = e;
      }
    };
    // After each append: start where the video is (a late joiner's first frame is not
    // at 0), and jump to the live edge when too far behind (a stall, a hidden tab).
    const chase = () => {
      const b = sb.buffered;
      if (!b.length) return;
      const start = b.start(0);
      const end = b.end(b.length - 1);
      if (video.currentTime < start || end - video.currentTime > MAX_BEHIND) video.currentTime = Math.max(start, end - EDGE);
      if (video.paused) video.play().catch(() => {});
      onInfo({ epoch, type, delay: Date.now() / 1000 - epoch - video.currentTime });
    };
    sb.addEventListener('updateend', () => {
      chase();
      pump();
    });
    sb.addEventListener('error', () => (failed = new Error('the video could not be decoded')));
    const reader = res.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (failed) throw failed;
      if (done) return;
      queue.push(value);
      pump();
    }
  } finally {
    URL.revokeObjectURL(src);
  }
}

// <video> with the camera's live stream; `fallback` (an element) replaces it on failure.
export function LiveVideo({ camera, width, height, fallback, compact }) {
  const ref = useRef(null);
  const [failure, setFailure] = useState(null);
  const [info, setInfo] = useState(null);
  useEffect(() => {
    setFailure(null);
    const ctl = new AbortController();
    (async () => {
      for (let ended = 0; ; ended++) {
        try {
          await play(ref.current, camera, ctl.signal, setInfo);
          if (ended >= RECONNECTS) throw new Error('the stream keeps ending');
        } catch (e) {
          if (!isAbort(e) && !ctl.signal.aborted) setFailure(e.message || String(e));
          return;
        }
      }
    })();
    return () => ctl.abort();
  }, [camera]);
  if (failure) {
    return (
      <div class="live-fallback">
        {fallback}
        <div class="live-note" role="status" data-testid="live-fallback">
          Live video unavailable ({failure}); showing images.
        </div>
      </div>
    );
  }
  const delay = info && Number.isFinite(info.delay) ? info.delay : null;
  return (
    <div class="live" style={width && height ? { aspectRatio: `${width} / ${height}` } : undefined}>
      <video ref={ref} muted autoplay playsinline width={width} height={height} data-testid="live-video" aria-label={`Live video of ${camera}`} />
      {!compact && delay !== null && (
        <span class="live-delay badge" title="how far the picture is behind the camera (from the stream's timestamps)" data-testid="live-delay" data-delay={delay.toFixed(3)}>
          live · {delay.toFixed(1)} s
        </span>
      )}
    </div>
  );
}
