// Start-up recovery (storage.md §3.1): temporaries go, every open row is finished, a
// pending snapshot is promoted when the camera wants snapshots, and MQTT gets the `end`
// it still owes.
#include "events/event_recovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/event_db.h"
#include "test_media.h"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

void touch(const std::string& path) { std::ofstream(path) << "x"; }

OpenEvent open_event(const std::string& id, bool announced) {
  OpenEvent o;
  o.id = id;
  o.label = "person";
  o.camera = "walk";
  o.start_time = 1600000000;
  o.last_seen = 1600000010;
  o.top_score = 0.9;
  o.end_announced = announced;
  return o;
}

}  // namespace

TEST(EventRecovery, FinishesOpenEventsPromotingPendingSnapshots) {
  const std::string media = test::temp_dir();
  const MediaLayout layout(media);
  fs::create_directories(layout.pending_dir());
  fs::create_directories(layout.cache_dir());
  Config cfg = parse_config("media_dir: " + media +
                                "\nmqtt: {host: localhost}\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n"
                                "        - path: x.mp4\n          roles: [detect]\n    width: 768\n    height: 576\n"
                                "    snapshots: {enabled: true}\n",
                            false);
  ASSERT_TRUE(cfg.mqtt.enabled);
  EventDb db(layout.clips_dir() + "/frigate.db");
  db.open_event(open_event("with-pending", false));
  db.open_event(open_event("nothing", true));
  touch(layout.pending_snapshot("walk", "with-pending"));
  touch(layout.clips_dir() + "/" + temporary_name("walk-x.jpg"));
  touch(layout.cache_dir() + "/gone-20200913122640.mp4");  // a camera no longer configured
  touch(layout.cache_dir() + "/walk-20200913122640.mp4");

  ClipCutter clips(cfg, layout);
  const std::vector<EventMessage> ends = recover_open_events(cfg, db, layout, clips);

  EXPECT_TRUE(db.open_events().empty());
  ASSERT_TRUE(db.get("with-pending").has_value());
  EXPECT_TRUE(db.get("with-pending")->has_snapshot);
  EXPECT_DOUBLE_EQ(db.get("with-pending")->end_time, 1600000010);
  EXPECT_TRUE(fs::is_regular_file(layout.snapshot("walk", "with-pending")));
  EXPECT_FALSE(fs::exists(layout.pending_snapshot("walk", "with-pending")));
  EXPECT_FALSE(db.get("nothing").has_value()) << "no snapshot, no clip: no row";
  EXPECT_FALSE(fs::exists(layout.clips_dir() + "/" + temporary_name("walk-x.jpg")));
  EXPECT_FALSE(fs::exists(layout.cache_dir() + "/gone-20200913122640.mp4"));
  EXPECT_TRUE(fs::exists(layout.cache_dir() + "/walk-20200913122640.mp4"));
  ASSERT_EQ(ends.size(), 1u) << "only the end MQTT never sent";
  EXPECT_EQ(ends[0].after.id, "with-pending");
  EXPECT_EQ(ends[0].type, EventMessage::kEnd);
  EXPECT_DOUBLE_EQ(ends[0].end_time, 1600000010);
}
