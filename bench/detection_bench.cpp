// Detection benchmark (issue 3): on vtest.mp4 at 5 fps with YOLOX-Nano, compares the
// motion-gated pipeline against an exhaustive reference that runs the detector on
// every frame over overlapping native-resolution tiles covering the whole frame (3×2
// tiles of the model's size for 768×576: every person is whole in at least one tile;
// boxes cut by an inner tile edge are left to the neighbouring tile).
//
//   recall         reference person boxes matched by a pipeline box at IoU ≥ 0.5
//   calls / frame  detector calls per processed frame (reference: 4)
//
// Run for vigil's region mode and for 0.8's baseline regions in one process, and for
// vigil's mode with each `detect.coast_frames` of a comma-separated list (default 0,2):
//   build/bench_detection [model.onnx] [video] [vigil|baseline] [coast frames list]
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <opencv2/core.hpp>
#include <thread>

#include "camera/camera.h"
#include "detect/checked_config.h"
#include "detect/detector_pool.h"
#include "input/frame_image.h"
#include "reference.h"
#include "regions/regions.h"

using namespace vigil;

namespace {

struct Totals {
  long reference_boxes = 0, matched = 0, frames = 0, calls = 0, tracks = 0;
};

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
    std::vector<Box> ref = bench::reference_people(reference, *pf.frame);
    t.reference_boxes += long(ref.size());
    t.matched += bench::matched_people(ref, pf.objects);
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

  std::printf("%-10s %6s %8s %8s %10s %12s %8s\n", "regions", "coast", "frames", "recall", "calls", "calls/frame",
              "tracks");
  std::printf("%-10s %6s %8s %8s %10s %12.2f %8s\n", "reference", "", "", "1.000", "",
              double(cover_frame(768, 576, reference->input_width()).size()), "");
  std::vector<std::string> modes = {"vigil", "baseline"};
  if (argc > 3 && *argv[3]) modes = {argv[3]};
  std::vector<int> coasts = {0, 2};
  if (argc > 4) {
    coasts.clear();
    for (const char* p = argv[4]; *p;) {
      char* end = nullptr;
      coasts.push_back(int(std::strtol(p, &end, 10)));
      p = *end == ',' ? end + 1 : end;
    }
  }
  for (const std::string& m : modes) {
    const char* mode = m.c_str();
    setenv("VIGIL_REGIONS", mode, 1);
    // 0.8's baseline looks at every object every frame.
    for (int coast : m == "baseline" ? std::vector<int>{0} : coasts) {
      cfg.cameras[0].coast_frames = coast;
      Totals t = run(cfg, *reference);
      double recall = t.reference_boxes ? double(t.matched) / t.reference_boxes : 0;
      std::printf("%-10s %6d %8ld %8.3f %10ld %12.2f %8ld\n", mode, coast, t.frames, recall, t.calls,
                  double(t.calls) / t.frames, t.tracks);
      std::fflush(stdout);
    }
  }
  return 0;
}
