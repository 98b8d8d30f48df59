// Event snapshots on disk: final and pending paths of the media layout, and a failed
// write says why (the failing step and its errno text).
#include "events/snapshot_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "input/frame.h"
#include "test_media.h"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

TrackedObject object_with_frame() {
  TrackedObject o;
  o.id = "1.5-ab";
  o.label = "person";
  o.best = Thumbnail{make_black_frame(320, 240), 1600000000, {10, 10, 50, 50}, 1600, {0, 0, 320, 240}, 0.9};
  return o;
}

CameraConfig camera() {
  CameraConfig cam;
  cam.name = "front-door";
  cam.width = 320;
  cam.height = 240;
  return cam;
}

}  // namespace

TEST(SnapshotWriter, WritesFinalAndPendingSnapshots) {
  const std::string media = test::temp_dir();
  fs::create_directories(media + "/clips");
  const SnapshotWriter w{MediaLayout(media)};
  EXPECT_EQ(w.write(camera(), object_with_frame(), true), std::nullopt);
  EXPECT_TRUE(fs::is_regular_file(media + "/clips/.pending/front-door-1.5-ab.jpg"));
  EXPECT_EQ(w.write(camera(), object_with_frame(), false), std::nullopt);
  EXPECT_TRUE(fs::is_regular_file(media + "/clips/front-door-1.5-ab.jpg"));
  w.remove_pending("front-door", "1.5-ab");
  EXPECT_FALSE(fs::exists(media + "/clips/.pending/front-door-1.5-ab.jpg"));
}

TEST(SnapshotWriter, AFailureKeepsItsCause) {
  const std::string media = test::temp_dir();  // no clips/ folder: open fails with ENOENT
  const SnapshotWriter w{MediaLayout(media)};
  const std::optional<std::string> why = w.write(camera(), object_with_frame(), false);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("No such file or directory"), std::string::npos) << *why;
  EXPECT_NE(why->find("front-door-1.5-ab.jpg"), std::string::npos) << *why;
  TrackedObject no_frame;
  no_frame.id = "x";
  EXPECT_EQ(w.write(camera(), no_frame, false), "the event has no frame");
}
