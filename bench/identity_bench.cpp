// Identity benchmark (issue 16): on the H.264 vtest at 5 fps with YOLOX-Nano, every
// frame processed (lossless), for `loops` passes of the 79.5 s video, the person
// events vigil makes: how many per loop, how long, and when each starts and ends
// (seconds into its loop). About 30 different people walk through per loop; an event
// that lasts longer than anyone stays in view is a track that hopped to another person.
//
//   build/bench_identity [model.onnx] [video] [loops, default 2]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "camera/camera.h"
#include "detect/checked_config.h"
#include "detect/detector_pool.h"
#include "events/event_lifecycle.h"

using namespace vigil;

int main(int argc, char** argv) {
  const std::string src = VIGIL_SOURCE_DIR;
  const std::string model = argc > 1 && *argv[1] ? argv[1] : src + "/../shared/models/yolox-nano/yolox_nano.onnx";
  const std::string video = argc > 2 && *argv[2] ? argv[2] : src + "/build/media/vtest.mp4";
  const int loops = argc > 3 ? std::atoi(argv[3]) : 2;
  constexpr long kFramesPerLoop = 397;  // 79.5 s at 5 fps
  const std::string yaml =
      "logger: {default: warning}\ndetectors:\n  yolox:\n    type: opencv\n    model:\n      path: " + model +
      "\ncameras:\n  vtest:\n    ffmpeg:\n      inputs:\n        - path: " + video +
      "\n          input_args: -stream_loop -1\n          roles: [detect]\n    width: 768\n"
      "    height: 576\n    fps: 5\n    objects: {track: [person]}\n";
  Config cfg = parse_checked_config(yaml, false);
  DetectorPool pool(cfg);
  pool.start();
  Camera cam(cfg.cameras[0], &pool);
  cam.set_lossless(true);
  cam.keep_track_ids();

  struct Event {
    double start = 0, end = -1;
  };
  // Per track: its matched boxes (frame time, box), to show where a long event went.
  std::map<std::string, std::vector<std::pair<double, Box>>> paths;
  std::mutex mu;
  std::map<std::string, Event> events;  // person events by id
  double first_frame = -1, last_frame = 0;
  cam.set_frame_observer([&](const ProcessedFrame& pf) {
    std::lock_guard g(mu);
    if (first_frame < 0) first_frame = pf.frame->time;
    last_frame = pf.frame->time;
    for (const ObjectView& o : pf.objects)
      if (o.matched && o.label == "person") paths[o.id].emplace_back(pf.frame->time, o.box);
  });
  cam.set_event_sink([&](std::vector<EventMessage> ms) {
    std::lock_guard g(mu);
    for (const EventMessage& m : ms) {
      if (m.after.label != "person") continue;
      if (m.type == EventMessage::kNew) events[m.after.id].start = m.after.start_time;
      if (m.type == EventMessage::kEnd) events[m.after.id].end = m.end_time;
    }
  });
  cam.start();
  while (long(cam.frames_processed()) < kFramesPerLoop * loops)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cam.stop();  // ends the open events at the last frame
  pool.stop();

  const double loop_s = kFramesPerLoop / 5.0;
  std::vector<int> per_loop(size_t(loops), 0);
  std::vector<double> lengths;
  // Per event: where it started and ended (box centres), its matched frames and its
  // largest jump between two consecutive matches (px): a hop to another person shows
  // as a large jump, a static false positive as a start equal to its end.
  std::printf("%-6s %5s %8s %8s %12s %12s %7s %6s\n", "event", "loop", "start s", "length s", "from", "to", "matched",
              "jump");
  int n = 0;
  for (const auto& [id, e] : events) {
    const double rel = e.start - first_frame;
    const int loop = std::min(loops - 1, int(rel / loop_s));
    per_loop[size_t(loop)]++;
    const double end = e.end < 0 ? last_frame : e.end;
    lengths.push_back(end - e.start);
    const auto& path = paths[id];
    auto centre = [](const Box& b) { return std::pair<int, int>{(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2}; };
    double jump = 0;
    for (size_t i = 1; i < path.size(); ++i) {
      auto [ax, ay] = centre(path[i - 1].second);
      auto [bx, by] = centre(path[i].second);
      jump = std::max(jump, std::hypot(double(bx - ax), double(by - ay)));
    }
    char from[32] = "", to[32] = "";
    if (!path.empty()) {
      auto [fx, fy] = centre(path.front().second);
      auto [tx, ty] = centre(path.back().second);
      std::snprintf(from, sizeof from, "%d,%d", fx, fy);
      std::snprintf(to, sizeof to, "%d,%d", tx, ty);
    }
    std::printf("%-6d %5d %8.1f %8.1f %12s %12s %7zu %6.0f\n", ++n, loop + 1, rel - loop * loop_s, end - e.start, from,
                to, path.size(), jump);
  }
  std::sort(lengths.begin(), lengths.end());
  std::printf("\nperson events per loop:");
  for (int c : per_loop) std::printf(" %d", c);
  std::printf("\ntracks (all labels, ids created): %zu\n", cam.all_track_ids().size());
  if (!lengths.empty())
    std::printf("event length s: median %.1f, longest %.1f\n", lengths[lengths.size() / 2], lengths.back());
  return 0;
}
