// The free-space floor's hold on the clip cache (storage.md §9) on real H.264 and a
// manual clock: a blocked gate starts no cache segment; an event in progress owes the
// bytes of its clip; the cut ends its clip at that moment, writes it, releases the cache
// and leaves the event its row.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "config/config.h"
#include "events/event_store.h"
#include "storage/clip_cache.h"
#include "storage/event_db.h"
#include "test_media.h"
#include "util/clock.h"

using namespace vigil;
using namespace vigil::test;
namespace fs = std::filesystem;

namespace {

uint64_t bytes_in(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.file_size();
  return n;
}

}  // namespace

TEST(FloorCut, ABlockedGateStartsNoCacheSegment) {
  const std::string dir = temp_dir();
  ManualClock clock;
  ClipCache cache("walk", dir);
  bool allowed = false;
  cache.set_write_gate([&allowed] { return allowed; });
  feed(cache, clock, 20, true);
  EXPECT_EQ(mp4_files(dir), 0);
  EXPECT_EQ(bytes_in(dir), 0u) << "nothing grows while the disk is below its floor";
  allowed = true;  // space is back: the next keyframe starts a segment
  const double resumed = clock.wall_time;
  feed(cache, clock, 20);
  EXPECT_EQ(mp4_files(dir), 2);
  auto segs = cache.segments(0, 1e12);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_NEAR(segs[0].wall0, resumed, 2.1);
  EXPECT_EQ(cache.bytes_between(0, 1e12), bytes_in(dir));
  EXPECT_EQ(cache.bytes_between(resumed + 12, 1e12), fs::file_size(segs[1].final_path));
  EXPECT_EQ(cache.bytes_between(0, resumed - 1), 0u);
}

TEST(FloorCut, TheCutEndsOpenClipsNowReleasesTheirCacheAndKeepsTheEvent) {
  const std::string media = temp_dir();
  fs::create_directories(media + "/clips");
  Config cfg = clips_camera_config(media);
  EventDb db(media + "/clips/frigate.db");
  ManualClock clock;
  const double t0 = clock.wall_time;
  auto cache = std::make_shared<ClipCache>("walk", media + "/cache");
  feed(cache.operator*(), clock, 100);  // 100 s cached: ten segments; the clock is at t0 + 100
  ASSERT_EQ(mp4_files(media + "/cache"), 10);

  EventStore store(cfg, db, clock);
  store.add_clip_cache(cache);
  // In progress since t0 + 50: its clip, were it cut now, spans [t0 + 45, t0 + 100].
  store.post({walk_event(EventMessage::kNew, t0 + 50, t0 + 99)});
  store.start();
  ASSERT_TRUE(eventually([&] { return db.open_events().size() == 1; }));
  const uint64_t owed = store.clip_bytes_owed();
  EXPECT_EQ(owed, cache->bytes_between(t0 + 45, t0 + 100));
  EXPECT_GT(owed, 0u);

  store.cut_open_clips(owed);
  const std::string clip = media + "/clips/walk-ev1.mp4";
  ASSERT_TRUE(eventually([&] { return fs::exists(clip) && store.clip_bytes_owed() == 0; }));
  EXPECT_NEAR(probe_duration(clip), 55, 0.3) << "the clip ends at the cut";
  // Released: only what any camera keeps (now − pre_capture − 30 s = t0 + 65) remains.
  ASSERT_TRUE(eventually([&] { return mp4_files(media + "/cache") == 4; })) << mp4_files(media + "/cache");
  EXPECT_FALSE(db.get("ev1")) << "the event is still in progress";

  // More video, then the event ends: it keeps the cut clip, and owes nothing more.
  const auto clip_size = fs::file_size(clip);
  const auto clip_time = fs::last_write_time(clip);
  feed(*cache, clock, 30);
  EXPECT_EQ(store.clip_bytes_owed(), 0u);
  store.post({walk_event(EventMessage::kEnd, t0 + 50, t0 + 125)});
  ASSERT_TRUE(eventually([&] { return db.get("ev1").has_value(); }));
  EXPECT_TRUE(db.get("ev1")->has_clip);
  EXPECT_EQ(fs::file_size(clip), clip_size);
  EXPECT_EQ(fs::last_write_time(clip), clip_time) << "the cut clip is not made again";
  store.stop();
}
