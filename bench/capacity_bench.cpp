// Multi-camera capacity benchmark (issue 16). N cameras of the H.264 vtest, each looped
// in real time (-re) at fps 5, YOLOX-Nano detection with the default detector workers,
// all in one process as vigil runs them. Per N, over the same `seconds` after a 10 s
// warm-up:
//   processed   frames processed per second per camera (5 = every frame)
//   skipped     frames shed per second per camera (processing behind)
//   inf/s       detector calls per second, all cameras
//   inf/frame   detector calls per processed frame
//   ms          mean inference time of the detector workers
//   CPU %       process CPU time (getrusage) over wall time; 200 % = both cores here
//   recall      of camera 1's processed frames, against the exhaustive reference
//               (bench/reference.h, run after the measurement so it costs no CPU there)
//
//   build/bench_capacity [seconds, 40] [N list, 1,2,4,8] [coast frames, config default]
//                        [model.onnx] [video] [model input size, 416]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "camera/camera.h"
#include "detect/checked_config.h"
#include "detect/detector_pool.h"
#include "reference.h"

using namespace vigil;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::vector<int> int_list(const char* s) {
  std::vector<int> out;
  for (const char* p = s; *p;) {
    char* end = nullptr;
    out.push_back(int(std::strtol(p, &end, 10)));
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

struct Sample {
  FramePtr frame;
  std::vector<ObjectView> objects;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string src = VIGIL_SOURCE_DIR;
  const int seconds = argc > 1 && *argv[1] ? std::atoi(argv[1]) : 40;
  const std::vector<int> counts = argc > 2 && *argv[2] ? int_list(argv[2]) : std::vector<int>{1, 2, 4, 8};
  const std::string coast = argc > 3 && *argv[3] ? argv[3] : "";
  const std::string model = argc > 4 && *argv[4] ? argv[4] : src + "/../shared/models/yolox-nano/yolox_nano.onnx";
  const std::string video = argc > 5 && *argv[5] ? argv[5] : src + "/build/media/vtest.mp4";
  const std::string size = argc > 6 && *argv[6] ? argv[6] : "416";

  std::printf("%-3s %10s %8s %8s %10s %7s %7s %7s %7s\n", "N", "processed", "skipped", "inf/s", "inf/frame", "ms",
              "CPU %", "recall", "frames");
  for (int n : counts) {
    std::string yaml =
        "logger: {default: warning}\ndetectors:\n  yolox:\n    type: opencv\n    model: {path: " + model +
        ", width: " + size + ", height: " + size + "}\ncameras:\n";
    for (int i = 1; i <= n; ++i) {
      yaml += "  cam" + std::to_string(i) + ":\n    ffmpeg:\n      inputs:\n        - path: " + video +
              "\n          input_args: -re -stream_loop -1\n          roles: [detect]\n"
              "    width: 768\n    height: 576\n    fps: 5\n";
      if (!coast.empty()) yaml += "    detect: {coast_frames: " + coast + "}\n";
    }
    Config cfg = parse_checked_config(yaml, false);
    DetectorPool pool(cfg);
    pool.start();
    std::vector<std::unique_ptr<Camera>> cams;
    std::mutex mu;
    bool recording = false;  // guarded by mu
    std::vector<Sample> samples;
    for (const CameraConfig& c : cfg.cameras) cams.push_back(std::make_unique<Camera>(c, &pool));
    cams[0]->set_frame_observer([&](const ProcessedFrame& pf) {
      std::lock_guard lock(mu);
      if (recording) samples.push_back({pf.frame, pf.objects});
    });
    for (auto& c : cams) c->start();
    std::this_thread::sleep_for(std::chrono::seconds(10));  // motion settles, steady state

    auto totals = [&] {
      uint64_t frames = 0, calls = 0, skipped = 0;
      for (auto& c : cams) {
        frames += c->frames_processed();
        calls += c->detector_calls();
        skipped += c->stats().frames_skipped;
      }
      return std::tuple{frames, calls, skipped};
    };
    {
      std::lock_guard lock(mu);
      recording = true;
    }
    auto [f0, c0, s0] = totals();
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto [f1, c1, s1] = totals();
    const double cpu1 = cpu_seconds();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
      std::lock_guard lock(mu);
      recording = false;
    }
    double ms = 0;
    for (const DetectorStats& d : pool.stats()) ms += d.inference_speed;
    for (auto& c : cams) c->stop();
    pool.stop();

    // The reference, now that the cameras are stopped.
    auto reference = make_detector(cfg.detectors[0], 320, 320);
    long ref_boxes = 0, matched = 0;
    for (const Sample& s : samples) {
      std::vector<Box> ref = bench::reference_people(*reference, *s.frame);
      ref_boxes += long(ref.size());
      matched += bench::matched_people(ref, s.objects);
    }
    const double frames = double(f1 - f0);
    std::printf("%-3d %10.2f %8.2f %8.2f %10.2f %7.1f %7.1f %7.3f %7zu\n", n, frames / wall / n,
                double(s1 - s0) / wall / n, double(c1 - c0) / wall, frames > 0 ? double(c1 - c0) / frames : 0.0, ms,
                100 * (cpu1 - cpu0) / wall, ref_boxes ? double(matched) / double(ref_boxes) : 0.0, samples.size());
    std::fflush(stdout);
  }
  return 0;
}
