// The events thread and the clip cache together (storage.md §4.2, §4.3): an ending
// event gets its clip once the cache holds its span; cache segments no event needs are
// pruned, those an open event needs are kept. The thread runs on the same ManualClock
// as the cache; tests wait on the store's hooks, never on time.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "config/config.h"
#include "event_hooks.h"
#include "events/event_store.h"
#include "storage/clip_cache.h"
#include "storage/event_db.h"
#include "test_media.h"

using namespace vigil;
using namespace vigil::test;
namespace fs = std::filesystem;

namespace {

// Also makes the clips folder.
Config post_capture_config(const std::string& media) {
  fs::create_directories(media + "/clips");
  return parse_config("media_dir: " + media +
                          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: x.mp4\n"
                          "          roles: [detect, clips]\n    width: 768\n    height: 576\n"
                          "    clips: {enabled: true, pre_capture: 2, post_capture: 20}\n",
                      false);
}

// Camera `walk` with 2 s of pre and 20 s of post capture; its cache holds the 20 s of
// video that ended 10 s before `now`; the events thread runs on the cache's clock.
class PostCapture : public ::testing::Test {
 protected:
  // Caches the video (the connection stays open when `keep_open`), starts the thread and
  // posts event ev1, which ends 24 s before `now`: its clip needs video up to 4 s before
  // `now`, which is not cached yet.
  void start_with_ending_event(bool keep_open) {
    start_over_cached_video(now - 30, keep_open);
    ASSERT_TRUE(hooks->handled("ev1", EventMessage::kEnd));
  }

  // The same, the 20 s of video cached from `video_start` on; returns once ev1 is posted.
  void start_over_cached_video(double video_start, bool keep_open) {
    clock.wall_time = video_start;
    cache = std::make_shared<ClipCache>("walk", media + "/cache");
    feed(*cache, clock, 20, keep_open);
    clock.wall_time = std::max(clock.wall(), now - 10);
    store = std::make_unique<EventStore>(cfg, db, clock);
    hooks = std::make_unique<EventHooks>(*store);
    store->add_clip_cache(cache);
    store->start();
    store->post(
        {walk_event(EventMessage::kNew, now - 27, now - 25, 1), walk_event(EventMessage::kEnd, now - 27, now - 25, 1)});
  }

  const std::string media = temp_dir();
  const Config cfg = post_capture_config(media);
  EventDb db{media + "/clips/frigate.db"};
  ManualClock clock;
  const double now = clock.wall();
  std::shared_ptr<ClipCache> cache;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<EventHooks> hooks;
};

}  // namespace

TEST(EventClips, OpenEventsKeepTheirCacheAndEndingEventsGetTheirClip) {
  const std::string media = temp_dir();
  fs::create_directories(media + "/clips");
  Config cfg = clips_camera_config(media);
  EventDb db(media + "/clips/frigate.db");
  // 100 s of cached video, from 200 s ago to 100 s ago ("now" = where the clock starts): ten segments.
  ManualClock clock;
  const double now = clock.wall();
  clock.wall_time = now - 200;
  auto cache = std::make_shared<ClipCache>("walk", media + "/cache");
  feed(*cache, clock, 100);
  ASSERT_EQ(mp4_files(media + "/cache"), 10);

  EventStore store(cfg, db, clock);
  EventHooks hooks(store);
  store.add_clip_cache(cache);
  store.start();
  // An open event that started 150 s ago needs the cache from 150 + 5 + 30 s ago on:
  // the one segment ending before that is deleted, the others are kept.
  store.post({walk_event(EventMessage::kNew, now - 150, now - 140, 1)});
  ASSERT_TRUE(hooks.handled("ev1", EventMessage::kNew));
  clock.advance(EventStore::kPeriod);  // the pruning is due
  ASSERT_TRUE(hooks.pass()) << "the pass that pruned is over";
  EXPECT_EQ(mp4_files(media + "/cache"), 9);

  // It ended 119 s before `now`: the clip spans [start − 5, end + 5] = 41 s, all cached already.
  store.post({walk_event(EventMessage::kEnd, now - 150, now - 120, 1)});
  ASSERT_TRUE(hooks.finished("ev1", true));
  ASSERT_TRUE(db.get("ev1").has_value()) << "the event row is written";
  EXPECT_TRUE(db.get("ev1")->has_clip);
  EXPECT_NEAR(probe_duration(media + "/clips/walk-ev1.mp4"), 41, 0.2);
  store.stop();
}

TEST_F(PostCapture, AClipWaitsForItsSpanToBeCachedAndStoppingCutsWhatExists) {
  ASSERT_NO_FATAL_FAILURE(start_with_ending_event(true));
  ASSERT_TRUE(hooks->pass()) << "the pass that scheduled the clip is over";
  EXPECT_FALSE(db.get("ev1").has_value()) << "waits for the cache (deadline: 30 s after the span)";
  EXPECT_TRUE(store->in_progress("ev1").has_value());
  // The camera stops: the clip is cut from what exists at shutdown (20 s of video).
  cache->on_end();
  store->stop();
  ASSERT_TRUE(db.get("ev1").has_value());
  EXPECT_TRUE(db.get("ev1")->has_clip);
  EXPECT_NEAR(probe_duration(media + "/clips/walk-ev1.mp4"), 20 - 1, 0.3);  // from start − 2 s to the cache's end
  EXPECT_EQ(store->health().clip_failures, 0u);
}

// A stop whose grace ran out (a slow disk behind many ending events) does not cut the
// clip: its event stays open in the database, the cache is kept, and the next start's
// recovery cuts the clip from it.
TEST_F(PostCapture, AStopPastItsGraceLeavesTheClipToTheNextStart) {
  ASSERT_NO_FATAL_FAILURE(start_with_ending_event(true));
  ASSERT_TRUE(hooks->pass());
  cache->on_end();
  const int cached = mp4_files(media + "/cache");
  store->stop(0);  // the manual clock stands still: the grace is over at once
  EXPECT_FALSE(db.get("ev1").has_value()) << "not cut at stop";
  EXPECT_FALSE(fs::exists(media + "/clips/walk-ev1.mp4"));
  ASSERT_EQ(db.open_events().size(), 1u);
  EXPECT_EQ(db.open_events()[0].id, "ev1");
  EXPECT_EQ(mp4_files(media + "/cache"), cached) << "the cache it needs is kept";

  // The next start: the cache is read back from disk and recovery cuts the clip.
  auto reopened = std::make_shared<ClipCache>("walk", media + "/cache");
  reopened->load_existing();
  EventStore next(cfg, db, clock);
  next.add_clip_cache(reopened);
  next.recover();
  ASSERT_TRUE(db.get("ev1").has_value());
  EXPECT_TRUE(db.get("ev1")->has_clip);
  EXPECT_NEAR(probe_duration(media + "/clips/walk-ev1.mp4"), 20 - 1, 0.3);
  EXPECT_TRUE(db.open_events().empty());
}

TEST_F(PostCapture, AtItsDeadlineAClipIsCutFromWhatExists) {
  ASSERT_NO_FATAL_FAILURE(start_with_ending_event(false));  // then the input went away
  clock.wall_time = now;                                    // where the feed left it: 10 s short of `now`
  clock.advance(25);                                        // the clip waits until 26 s from now at most
  ASSERT_TRUE(hooks->pass());
  EXPECT_FALSE(db.get("ev1").has_value()) << "cut before its deadline";
  clock.advance(1);
  ASSERT_TRUE(hooks->finished("ev1", true));
  ASSERT_TRUE(db.get("ev1").has_value());
  EXPECT_TRUE(db.get("ev1")->has_clip);
  EXPECT_NEAR(probe_duration(media + "/clips/walk-ev1.mp4"), 20 - 1, 0.3);
  store->stop();
}

TEST_F(PostCapture, NewCachedVideoWakesTheThreadToCutTheClip) {
  ASSERT_NO_FATAL_FAILURE(start_with_ending_event(true));
  ASSERT_TRUE(hooks->pass());
  EXPECT_FALSE(db.get("ev1").has_value()) << "the span (up to 4 s ago) is not cached yet";
  // The camera delivers 10 s more: the cache now holds the span, long before the deadline.
  feed(*cache, clock, 10, true);
  ASSERT_TRUE(hooks->finished("ev1", true));
  EXPECT_LT(clock.wall(), now + 26) << "cut because the video came, not at the deadline";
  ASSERT_TRUE(db.get("ev1").has_value());
  EXPECT_TRUE(db.get("ev1")->has_clip);
  cache->on_end();
  store->stop();
}

// A wanted clip whose span the cache never got (the camera was down): the event is
// stored without it, and the failure is counted (service.degraded.clip_failures).
TEST_F(PostCapture, AClipWithNoCachedVideoIsCountedAsAFailure) {
  start_over_cached_video(now - 300, false);  // video from 300 to 280 s before `now`, none since
  clock.advance(60);                          // past the clip's deadline
  ASSERT_TRUE(hooks->finished("ev1", true));
  EXPECT_FALSE(db.get("ev1").has_value()) << "no clip and no snapshot: no row (pipeline.md §11)";
  EXPECT_FALSE(fs::exists(media + "/clips/walk-ev1.mp4"));
  EXPECT_EQ(store->health().clip_failures, 1u);
  EXPECT_EQ(store->health().rows_waiting, 0u);
  store->stop();
}
