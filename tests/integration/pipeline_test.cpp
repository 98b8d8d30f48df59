// The detection pipeline on real video with a real model: vtest.mp4 (people walking)
// through motion, regions, YOLOX-Nano, the tracker and best images, processed without
// dropping frames. Needs the model (VIGIL_MODELS or ../shared/models); skips without.
#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "camera/camera.h"
#include "detect/checked_config.h"
#include "detect/detector_pool.h"
#include "harness.h"
#include "input/frame_image.h"
#include "regions/regions.h"
#include "render/render.h"

namespace vigil::test {
namespace {

// People who walk through vtest (each pass through the view counts once), counted by
// eye on a contact sheet of one frame every 2 s: about 6 people are in view at any
// time and each stays 15–25 s, so about 30 passes over the 80 s.
constexpr int kPeoplePasses = 30;

}  // namespace

TEST(Pipeline, TracksTheWalkersOfVtestWithYoloxNano) {
  const std::string model = models_dir() + "/yolox-nano/yolox_nano.onnx";
  if (access(model.c_str(), R_OK) != 0) GTEST_SKIP() << "YOLOX-Nano not found at " << model << " (set VIGIL_MODELS)";
  if (access(vtest_mp4().c_str(), R_OK) != 0) GTEST_SKIP() << "run scripts/bootstrap";

  Config cfg = parse_checked_config(
      "detectors:\n  yolox:\n    type: opencv\n    num_threads: 2\n    model:\n      path: " + model +
          "\ncameras:\n  vtest:\n    ffmpeg:\n      inputs:\n        - path: " + vtest_mp4() +
          "\n          roles: [detect]\n    width: 768\n    height: 576\n    fps: 5\n",
      false);
  DetectorPool pool(cfg);
  pool.start();
  Camera cam(cfg.cameras[0], &pool);
  cam.set_lossless(true);
  cam.keep_track_ids();
  // Every 10th processed frame is kept (as BGR, with its tracked objects) for the check
  // below; a gap in the sequence numbers is a frame the camera dropped.
  struct Sample {
    cv::Mat bgr;
    std::vector<ObjectView> objects;
  };
  std::mutex samples_mu;
  std::vector<Sample> samples;  // guarded by samples_mu
  uint64_t last_seq = 0;        // processing thread until cam.stop()
  int gaps = 0;                 // processing thread until cam.stop()
  cam.set_frame_observer([&](const ProcessedFrame& pf) {
    if (last_seq && pf.frame->seq != last_seq + 1) ++gaps;
    last_seq = pf.frame->seq;
    if (pf.frame->seq % 10 != 0) return;
    Sample sample{frame_to_bgr(*pf.frame), pf.objects};
    std::lock_guard lock(samples_mu);
    samples.push_back(std::move(sample));
  });
  cam.start();
  // The whole video (79.5 s at 5 fps: 398 frames) processed (bounded below ctest's 600 s).
  const bool whole = eventually([&] { return cam.frames_processed() >= 397; }, 560);
  cam.stop();
  pool.stop();
  ASSERT_TRUE(whole) << cam.frames_processed() << " frames processed";
  EXPECT_EQ(gaps, 0) << "frames dropped in lossless mode";

  // A second, independent detector as the reference for "the boxes are on walkers":
  // the whole frame in 2×2 overlapping native-resolution tiles.
  auto reference = make_detector(cfg.detectors[0], 320, 320);
  int checked = 0, on_walker = 0;
  for (const Sample& sample : samples) {
    std::vector<Box> people;
    for (const Box& tile :
         {Box{0, 0, 416, 416}, Box{352, 0, 768, 416}, Box{0, 160, 416, 576}, Box{352, 160, 768, 576}}) {
      cv::Mat crop = sample.bgr(cv::Rect(tile.x1, tile.y1, 416, 416)).clone();
      for (const auto& d : detect_full_image(*reference, crop))
        if (d.label == "person")
          people.push_back({d.box.x1 + tile.x1, d.box.y1 + tile.y1, d.box.x2 + tile.x1, d.box.y2 + tile.y1});
    }
    for (const ObjectView& o : sample.objects) {
      if (o.label != "person" || !(o.matched || o.coasting)) continue;
      ++checked;
      for (const Box& p : people)
        if (iou(o.box, p) >= 0.3) {
          ++on_walker;
          break;
        }
    }
  }

  // Tracked persons appear and their boxes lie on walkers.
  ASSERT_GE(checked, 20) << "tracked persons seen in the sampled frames";
  EXPECT_GE(double(on_walker) / checked, 0.85) << on_walker << " of " << checked;

  // Identity stability: distinct person ids stay within 2× the people who walked by.
  auto ids = cam.all_track_ids();
  std::set<std::string> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), ids.size()) << "ids are never reused";
  EXPECT_LE(int(ids.size()), 2 * kPeoplePasses) << "tracks: " << ids.size();
  EXPECT_GE(int(ids.size()), kPeoplePasses / 3) << "tracks: " << ids.size();
  std::cout << "[ pipeline ] " << cam.frames_processed() << " frames, " << cam.detector_calls() << " detector calls ("
            << double(cam.detector_calls()) / cam.frames_processed() << " per frame), " << ids.size()
            << " person tracks, " << on_walker << "/" << checked << " sampled boxes on walkers\n";

  // best.jpg shows a person: the detector finds one in the cropped best image.
  auto best = cam.best("person");
  ASSERT_TRUE(best.has_value());
  std::string jpeg = render_best(*best, cfg.cameras[0], true, 0);
  cv::Mat img = cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  ASSERT_FALSE(img.empty());
  bool person = false;
  for (const auto& d : detect_full_image(*reference, img)) person |= d.label == "person" && d.score > 0.5;
  EXPECT_TRUE(person) << "best.jpg should show a person";
}

}  // namespace vigil::test
