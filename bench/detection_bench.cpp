// Detection benchmark (issue 3): on vtest.mp4 at 5 fps with YOLOX-Nano, compares the
// motion-gated pipeline against an exhaustive reference that runs the detector on
// every frame over overlapping native-resolution tiles covering the whole frame (3×2
// tiles of the model's size for 768×576: every person is whole in at least one tile;
// boxes cut by an inner tile edge are left to the neighbouring tile).
//
//   recall         reference person boxes matched by a pipeline box at IoU ≥ 0.5
//   calls / frame  detector calls per processed frame (reference: 4)
//
// Run for vigil's region mode and for 0.8's baseline regions in one process:
//   build/bench_detection [model.onnx] [video] [vigil|baseline]
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <opencv2/core.hpp>
#include <thread>

#include "camera/camera.h"
#include "detect/checked_config.h"
#include "detect/detector_pool.h"
#include "input/frame_image.h"
#include "regions/regions.h"

using namespace vigil;

namespace {

struct Totals {
  long reference_boxes = 0, matched = 0, frames = 0, calls = 0, tracks = 0;
};

std::vector<Box> reference_people(Detector& det, const Frame& f) {
  cv::Mat bgr = frame_to_bgr(f);
  const int W = f.width, H = f.height, S = det.input_width();
  std::vector<Box> all;
  std::vector<float> scores;
  for (const Box& t : cover_frame(W, H, S)) {
    cv::Rect tile = cv::Rect(t.x1, t.y1, S, S) & cv::Rect(0, 0, W, H);
    for (const auto& d : detect_full_image(det, bgr(tile).clone())) {
      if (d.label != "person" || d.score <= 0.5) continue;
      Box b{d.box.x1 + tile.x, d.box.y1 + tile.y, d.box.x2 + tile.x, d.box.y2 + tile.y};
      // Cut by an edge of the tile that is not a frame edge: the neighbour sees it whole.
      if (clipped(W, H, b, {tile.x, tile.y, tile.x + tile.width, tile.y + tile.height})) continue;
      all.push_back(b);
      scores.push_back(d.score);
    }
  }
  // Tiles overlap: keep one box per person (highest score, IoU > 0.4 suppressed).
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<Box> kept;
  for (size_t i : order) {
    bool dup = false;
    for (const Box& k : kept)
      dup |= iou(k, all[i]) > 0.4 || (all[i].x1 >= k.x1 && all[i].x2 <= k.x2 && all[i].y1 >= k.y1 && all[i].y2 <= k.y2);
    if (!dup) kept.push_back(all[i]);
  }
  return kept;
}

Totals run(const Config& cfg, Detector& reference) {
  DetectorPool pool(cfg);
  pool.start();
  Camera cam(cfg.cameras[0], &pool);
  cam.set_lossless(true);
  cam.keep_track_ids();
  Totals t;
  cam.set_frame_observer([&](const ProcessedFrame& pf) {
    if (t.frames >= 397) return;  // one pass of the video
    t.frames++;
    std::vector<Box> ref = reference_people(reference, *pf.frame);
    std::vector<bool> used(pf.objects.size(), false);
    t.reference_boxes += long(ref.size());
    for (const Box& r : ref) {
      for (size_t i = 0; i < pf.objects.size(); ++i) {
        const ObjectView& o = pf.objects[i];
        if (used[i] || o.label != "person" || !(o.matched || o.stationary)) continue;
        if (iou(o.box, r) >= 0.5) {
          used[i] = true;
          t.matched++;
          break;
        }
      }
    }
  });
  cam.start();
  while (t.frames < 397) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  t.calls = long(cam.detector_calls());
  t.frames = long(cam.frames_processed());
  t.tracks = long(cam.all_track_ids().size());
  cam.stop();
  pool.stop();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string src = VIGIL_SOURCE_DIR;
  std::string model = argc > 1 && *argv[1] ? argv[1] : src + "/../shared/models/yolox-nano/yolox_nano.onnx";
  std::string video = argc > 2 && *argv[2] ? argv[2] : src + "/build/media/vtest.mp4";
  std::string yaml =
      "logger: {default: warning}\ndetectors:\n  yolox:\n    type: opencv\n    num_threads: 1\n    model:\n      "
      "path: " +
      model + "\ncameras:\n  vtest:\n    ffmpeg:\n      inputs:\n        - path: " + video +
      "\n          roles: [detect]\n    width: 768\n    height: 576\n    fps: 5\n";
  Config cfg = parse_checked_config(yaml, false);
  auto reference = make_detector(cfg.detectors[0], 320, 320);

  std::printf("%-10s %8s %8s %10s %12s %8s\n", "regions", "frames", "recall", "calls", "calls/frame", "tracks");
  std::printf("%-10s %8s %8s %10s %12.2f %8s\n", "reference", "", "1.000", "",
              double(cover_frame(768, 576, reference->input_width()).size()), "");
  std::vector<std::string> modes = {"vigil", "baseline"};
  if (argc > 3) modes = {argv[3]};
  for (const std::string& m : modes) {
    const char* mode = m.c_str();
    setenv("VIGIL_REGIONS", mode, 1);
    Totals t = run(cfg, *reference);
    double recall = t.reference_boxes ? double(t.matched) / t.reference_boxes : 0;
    std::printf("%-10s %8ld %8.3f %10ld %12.2f %8ld\n", mode, t.frames, recall, t.calls, double(t.calls) / t.frames,
                t.tracks);
    std::fflush(stdout);
  }
  return 0;
}
