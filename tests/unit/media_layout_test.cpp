// The media layout (storage.md §1): every path vigil writes, formatted and parsed in one
// place; names round-trip, malformed names are rejected, camera names may hold '-'.
#include "storage/media_layout.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

using namespace vigil;

namespace {

// Runs the test body in a fixed time zone (with DST), restoring the old one after.
class MediaLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    had_tz_ = tz != nullptr;
    if (tz) old_tz_ = tz;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_)
      setenv("TZ", old_tz_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  bool had_tz_ = false;
  std::string old_tz_;
};

}  // namespace

TEST_F(MediaLayoutTest, EventFiles) {
  const MediaLayout m("/media");
  EXPECT_EQ(m.snapshot("front-door", "1607123955.475377-mxklsc"),
            "/media/clips/front-door-1607123955.475377-mxklsc.jpg");
  EXPECT_EQ(m.clip("garden", "1607123955.475377-mxklsc"), "/media/clips/garden-1607123955.475377-mxklsc.mp4");
  EXPECT_EQ(m.pending_snapshot("garden", "1.5-ab"), "/media/clips/.pending/garden-1.5-ab.jpg");
  EXPECT_EQ(m.cache_dir(), "/media/cache");
  EXPECT_EQ(m.recordings_dir(), "/media/recordings");
  EXPECT_TRUE(is_event_file_name("garden-1.5-ab.jpg"));
  EXPECT_TRUE(is_event_file_name("garden-1.5-ab.mp4"));
  EXPECT_FALSE(is_event_file_name(".garden-1.5-ab.mp4.tmp"));
  EXPECT_FALSE(is_event_file_name(".garden-1.5-ab.jpg"));
  EXPECT_FALSE(is_event_file_name("frigate.db"));
  EXPECT_TRUE(names_event("front-door-1.5-ab.jpg", "1.5-ab"));
  EXPECT_FALSE(names_event("front-door-1.5-abc.jpg", "1.5-ab"));
  EXPECT_EQ(temporary_name("a-1.jpg"), ".a-1.jpg.tmp");
  EXPECT_TRUE(is_temporary_name(temporary_name("a-1.jpg")));
  EXPECT_FALSE(is_temporary_name("a-1.jpg"));
}

TEST_F(MediaLayoutTest, CacheSegmentNamesRoundTrip) {
  // 2021-03-04 15:07:00 in Berlin (UTC+1).
  const double t = 1614866820;
  const CacheSegmentName n = CacheSegmentName::at("front-door", t + 0.9);
  EXPECT_EQ(n.file_name(), "front-door-20210304150700.mp4");
  EXPECT_EQ(n.written().file_name(), ".front-door-20210304150700.mp4.part");
  EXPECT_DOUBLE_EQ(n.wall(), t);
  for (const std::string& name : {n.file_name(), n.written().file_name()}) {
    auto p = CacheSegmentName::parse(name);
    ASSERT_TRUE(p) << name;
    EXPECT_EQ(p->camera, "front-door");  // split at the last '-'
    EXPECT_EQ(p->stamp, "20210304150700");
    EXPECT_EQ(p->part, name[0] == '.');
    EXPECT_EQ(p->file_name(), name);
  }
}

TEST_F(MediaLayoutTest, CacheSegmentNamesRejectMalformed) {
  for (const char* bad :
       {"front-20210304150700.mkv", "front-2021030415070.mp4", "front-2021030415070x.mp4", "20210304150700.mp4",
        "-20210304150700.mp4", "front_20210304150700.mp4", ".front-20210304150700.mp4", "front-20210304150700.mp4.part",
        "..front-20210304150700.mp4.part"})
    EXPECT_FALSE(CacheSegmentName::parse(bad)) << bad;
}

TEST_F(MediaLayoutTest, RecordingSegmentsRoundTrip) {
  const double t = 1614866820;  // 2021-03-04 15:07:00 local
  const RecordingSegmentName n = RecordingSegmentName::at("front-door", t);
  EXPECT_EQ(n.relative_path(), "2021-03/04/15/front-door/07.00.mp4");
  EXPECT_EQ(n.part_name(), ".07.00.mp4.part");
  EXPECT_DOUBLE_EQ(n.start(), t);
  EXPECT_EQ(recording_hour_folder(t), "2021-03/04/15");
  auto p = RecordingSegmentName::parse({"2021-03", "04", "15", "front-door", "07.00.mp4"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->camera, "front-door");
  EXPECT_EQ(p->relative_path(), n.relative_path());
  EXPECT_DOUBLE_EQ(p->start(), t);
  // The next free second keeps the folder of the first packet's hour.
  const RecordingSegmentName late = RecordingSegmentName::at("cam", t + 52 * 60 + 59, 1);
  EXPECT_EQ(late.relative_path(), "2021-03/04/15/cam/00.00.mp4");
  EXPECT_EQ(recording_part_final_name(".07.00.mp4.part"), "07.00.mp4");
  EXPECT_FALSE(recording_part_final_name("07.00.mp4"));
  EXPECT_FALSE(recording_part_final_name(".07.00.mp4"));
}

TEST_F(MediaLayoutTest, RecordingSegmentsFollowLocalTimeAcrossDst) {
  // 2021-03-28 01:30 CET; an hour later it is 03:30 CEST (02:xx does not exist).
  const double before = 1616891400;
  EXPECT_EQ(RecordingSegmentName::at("c", before).relative_path(), "2021-03/28/01/c/30.00.mp4");
  EXPECT_EQ(RecordingSegmentName::at("c", before + 3600).relative_path(), "2021-03/28/03/c/30.00.mp4");
  EXPECT_DOUBLE_EQ(RecordingSegmentName::parse({"2021-03", "28", "03", "c", "30.00.mp4"})->start(), before + 3600);
  // Date folders end where the calendar says (the DST day is 23 h long).
  auto day = RecordingDatePrefix::parse({"2021-03", "28"});
  EXPECT_EQ(day.levels, 2);
  EXPECT_DOUBLE_EQ(*day.end() - local_time(2021, 3, 28, 0, 0, 0), 23 * 3600);
  EXPECT_EQ(RecordingDatePrefix::parse({"2021-03"}).levels, 1);
  EXPECT_DOUBLE_EQ(*RecordingDatePrefix::parse({"2021-12"}).end(), local_time(2022, 1, 1, 0, 0, 0));
  EXPECT_FALSE(RecordingDatePrefix::parse({"notadate"}).end());
}

TEST_F(MediaLayoutTest, RecordingSegmentsRejectMalformed) {
  const std::vector<std::vector<std::string>> bad = {
      {"2021-03", "04", "15", "cam", "7.00.mp4"},  {"2021-03", "04", "15", "cam", "07.60.mp4"},
      {"2021-03", "04", "24", "cam", "07.00.mp4"}, {"2021-13", "04", "15", "cam", "07.00.mp4"},
      {"2021-03", "32", "15", "cam", "07.00.mp4"}, {"2021-03-04", "15", "cam", "07.00.mp4"},
      {"2021-03", "04", "15", "cam", "07.00.mkv"}, {"2021-03", "04", "15", "cam", "07:00.mp4"},
      {"2021-03", "04", "15", "", "07.00.mp4"},    {"2021-03", "04", "15", "cam", "x", "07.00.mp4"},
  };
  for (const auto& parts : bad) EXPECT_FALSE(RecordingSegmentName::parse(parts)) << parts.back();
  EXPECT_TRUE(looks_like_recording_month("2021-03"));
  EXPECT_FALSE(looks_like_recording_month("2021_03"));
  EXPECT_TRUE(looks_like_recording_two_digits("04"));
  EXPECT_FALSE(looks_like_recording_two_digits("4"));
  EXPECT_TRUE(looks_like_recording_file("07.00.mp4"));
  EXPECT_FALSE(looks_like_recording_file(".07.00.mp4.part"));
}
