// Animated GIF previews of recorded video (ha-current.md §2.5: /api/events/<id>/preview.gif,
// and /api/review/<id>/preview): frames decoded from the recordings (or an event's clip)
// at a low rate, scaled down, colours reduced to 3-3-2 RGB by swscale (no palette pass),
// encoded by libavcodec's `gif` encoder (which writes only the rectangle that changed)
// into the `gif` muxer, in memory. In-process, no ffmpeg subprocess.
#pragma once

#include <string>
#include <vector>

#include "storage/recording_roots.h"

namespace vigil {

struct PreviewOptions {
  int width = 320;           // output width (height keeps the aspect, even)
  double sample_every = 1;   // seconds of video between two frames of the GIF
  double frame_delay = 0.5;  // seconds each frame shows (0.5 with 1 s: twice real speed)
  int max_frames = 40;       // a longer range is sampled more sparsely
};

struct PreviewGif {
  bool ok = false;
  std::string why;  // when !ok: the cause (libav's message, the file)
  std::string gif;  // the file's bytes
  int frames = 0;
};

// A video file placed on the wall clock: its first presented frame is at `wall_start`.
struct GifSource {
  std::string path;
  double wall_start = 0;
};

// The frames of [start, end] in `files` (consecutive, oldest first). Never throws.
PreviewGif make_preview_gif(const std::vector<GifSource>& files, double start, double end,
                            const PreviewOptions& opt = {});

// The primary API: a GIF of `camera`'s recordings over [start, end] (the lead's review
// preview uses [start − 8 s, end + 8 s]). Fails when no recording covers the range.
PreviewGif preview_gif(const RecordingRoots& roots, const std::string& camera, double start, double end,
                       const PreviewOptions& opt = {});

}  // namespace vigil
