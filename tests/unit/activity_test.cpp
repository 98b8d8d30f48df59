// Motion activity (issue 13's timeline lane): the per-camera 10 s buckets, their table,
// their writer thread and the JSON of the recordings and activity endpoints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/profile14_json.h"
#include "review/activity_meter.h"
#include "review/review_store.h"
#include "storage/event_db.h"
#include "test_media.h"
#include "util/clock.h"

namespace vigil {
namespace {

TEST(ActivityMeter, HandsBackEachBucketAFrameHasMovedPastButNotEmptyOnes) {
  ActivityMeter m("front");
  EXPECT_FALSE(m.add(1000.0, 50, 1));  // bucket [1000, 1010)
  EXPECT_FALSE(m.add(1009.9, 25, 2));
  auto first = m.add(1010.0, 0, 0);  // [1010, 1020): nothing in it
  ASSERT_TRUE(first);
  EXPECT_EQ(first->camera, "front");
  EXPECT_EQ(first->start, 1000);
  EXPECT_EQ(first->motion, 75);
  EXPECT_EQ(first->objects, 3);
  EXPECT_EQ(first->frames, 2);
  EXPECT_FALSE(m.add(1025, 10, 0));  // the empty [1010, 1020) is not handed back
  // A clock step back starts a new bucket too.
  auto stepped = m.add(990, 0, 0);
  ASSERT_TRUE(stepped);
  EXPECT_EQ(stepped->start, 1020);
  EXPECT_FALSE(m.flush());  // [980, 990) holds nothing
  EXPECT_FALSE(m.flush());
}

TEST(ActivityDb, AddsAgainToABucketSeenTwiceListsByTimeAndDeletesByCamera) {
  const std::string dir = test::temp_dir();
  EventDb db(dir + "/frigate.db");
  db.add_activity({{"front", 1000, 10, 1, 5}, {"back", 1000, 4, 0, 5}, {"front", 1010, 7, 0, 5}});
  db.add_activity({{"front", 1000, 5, 2, 3}});  // a restart within the bucket
  auto all = db.list_activity({}, 0, 2000);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].camera, "back");
  EXPECT_EQ(all[1].camera, "front");
  EXPECT_EQ(all[1].motion, 15);
  EXPECT_EQ(all[1].objects, 3);
  EXPECT_EQ(all[1].frames, 8);
  EXPECT_EQ(db.list_activity({"front"}, 1000, 1010).size(), 1u);  // [from, to)
  EXPECT_EQ(db.list_activity({"front", "back"}, 1000, 1011).size(), 3u);
  EXPECT_EQ(db.delete_activity_before("front", 1010), 1);
  EXPECT_EQ(db.list_activity({}, 0, 2000).size(), 2u);
  // Kept across a reopen (the table is created once).
  EventDb again(dir + "/frigate.db");
  EXPECT_EQ(again.list_activity({}, 0, 2000).size(), 2u);
}

TEST(ActivityDb, TheReviewThreadWritesWhatIsQueuedBeforeItStops) {
  const std::string dir = test::temp_dir();
  ManualClock clock;
  EventDb db(dir + "/frigate.db");
  {
    ReviewStore store(db, dir + "/clips/review", clock);
    store.start();
    for (int i = 0; i < 50; ++i) store.submit_activity({"front", 1000.0 + 10 * i, 1, 0, 5});
    store.stop();
  }
  EXPECT_EQ(db.list_activity({"front"}, 0, 1e10).size(), 50u);
}

TEST(ActivityJson, RecordingsSumTheBucketsThatStartInThem) {
  std::vector<RecordingFile> files = {{1000, 60, 1000}, {1060, 60, 1000}};
  std::vector<ActivityBucket> activity = {
      {"front", 1000, 10, 1, 5}, {"front", 1050, 5, 2, 5}, {"front", 1060, 100, 0, 5}, {"front", 1130, 9, 9, 5}};
  auto j = nlohmann::json::parse(recordings14_json("front", files, activity));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["motion"], 15);
  EXPECT_EQ(j[0]["objects"], 3);
  EXPECT_EQ(j[1]["motion"], 100);
  EXPECT_EQ(j[1]["objects"], 0);
  auto summary = nlohmann::json::parse(recordings_summary14_json(files, {}, activity, 0));
  EXPECT_EQ(summary[0]["hours"][0]["motion"], 124);  // every bucket of the recorded hour
  EXPECT_EQ(summary[0]["hours"][0]["objects"], 12);
}

TEST(ActivityJson, MotionIsTheLargestBucketPerBinScaledPerHourOfBins) {
  // Bins of 30 s from 3600: [3600] 40 and 10 → 40; [3630] none → 0; [3660] 20; next hour: one level.
  std::vector<ActivityBucket> a = {{"front", 3600, 40, 0, 5}, {"back", 3610, 10, 0, 5}, {"front", 3660, 20, 0, 5},
                                   {"front", 7200, 8, 0, 5},  {"front", 7230, 8, 0, 5}, {"front", 7240, 0, 3, 5}};
  auto j = nlohmann::json::parse(motion_activity14_json(a, 30));
  ASSERT_EQ(j.size(), 122u);  // every bin from 3600 to 7230
  EXPECT_EQ(j[0]["start_time"], 3600);
  EXPECT_DOUBLE_EQ(j[0]["motion"].get<double>(), 100);
  EXPECT_EQ(j[0]["camera"], "back,front");
  EXPECT_DOUBLE_EQ(j[1]["motion"].get<double>(), 0);
  EXPECT_EQ(j[1]["camera"], "");
  EXPECT_DOUBLE_EQ(j[2]["motion"].get<double>(), 50);
  EXPECT_EQ(j[120]["start_time"], 7200);
  EXPECT_DOUBLE_EQ(j[120]["motion"].get<double>(), 0);  // an hour of equal bins reads 0
  EXPECT_TRUE(nlohmann::json::parse(motion_activity14_json({}, 30)).empty());
}

}  // namespace
}  // namespace vigil
