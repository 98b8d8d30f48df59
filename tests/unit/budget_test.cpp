// Byte budgets (docs/storage.md "Byte budgets"): the recordings index, the budget
// decision with holds of events in progress, the projection of days, and the config keys.
// Real files in a temporary folder, a ManualClock, no thread unless stated.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "storage/retention.h"
#include "storage/segment_index.h"
#include "storage/storage_accounting.h"
#include "test_media.h"
#include "util/log.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

constexpr double kNow = 1700000000;  // 2023-11-14
constexpr uint64_t kPlenty = uint64_t(1) << 50;

std::string cameras_yaml() {
  std::string y = "cameras:\n";
  for (const char* name : {"garden", "porch"})
    y += std::string("  ") + name +
         ":\n    ffmpeg:\n      inputs:\n        - path: rtsp://cam/x\n          roles: [detect, record]\n"
         "    width: 640\n    height: 360\n";
  return y;
}

class BudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-budget-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    media_ = tmpl;
    fs::create_directories(media_ + "/clips");
    fs::create_directories(media_ + "/recordings");
    cfg_ = parse_config("record:\n  retain_days: 30\nstorage:\n  min_free_mb: 0\n" + cameras_yaml(), false);
    cfg_.media_dir = media_;
    db_ = std::make_unique<EventDb>(media_ + "/clips/frigate.db");
    clock_.wall_time = kNow;
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(media_, ec);
  }
  std::unique_ptr<Retention> make() {
    return std::make_unique<Retention>(cfg_, *db_, clock_, [](const std::string&) { return kPlenty; });
  }
  CameraConfig& cam(const std::string& name) {
    for (CameraConfig& c : cfg_.cameras)
      if (c.name == name) return c;
    throw std::runtime_error("no camera " + name);
  }
  // A finished segment of `camera` starting at `t`, `size` bytes of data.
  std::string segment(const std::string& camera, double t, size_t size = 100000) {
    std::time_t tt = std::time_t(t);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    char rel[64];
    std::strftime(rel, sizeof rel, "%Y-%m/%d/%H/", &tm);
    char name[16];
    std::strftime(name, sizeof name, "%M.%S.mp4", &tm);
    const std::string p = media_ + "/recordings/" + rel + camera + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    { std::ofstream(p, std::ios::binary) << std::string(size, 'x'); }
    // Finished a minute after its start, as a recorder leaves it (the walk reads the end from the mtime).
    struct timeval tv[2] = {{long(t + 60), 0}, {long(t + 60), 0}};
    ::utimes(p.c_str(), tv);
    return p;
  }
  static uint64_t blocks_of(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? uint64_t(st.st_blocks) * 512 : 0;
  }

  std::string media_;
  Config cfg_;
  std::unique_ptr<EventDb> db_;
  ManualClock clock_;
};

// ---- the index ----

TEST_F(BudgetTest, IndexHoldsFinishedSegmentsOldestFirstWithAllocatedBytes) {
  const std::string b = segment("garden", kNow - 120), a = segment("garden", kNow - 180), c = segment("porch", kNow);
  const std::string dir = fs::path(a).parent_path().string();
  std::ofstream(dir + "/.59.00.mp4.part") << "being written";  // a recorder's open segment
  std::ofstream(dir + "/notes.txt") << "not a segment";
  std::ofstream(media_ + "/recordings/stray.mp4") << "not at segment depth";

  SegmentIndex index(media_ + "/recordings");
  EXPECT_EQ(index.load(), 3u);
  EXPECT_EQ(index.size(), 3u);
  const std::vector<IndexedSegment> g = index.oldest("garden", 10);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(media_ + "/recordings/" + g[0].rel, a);
  EXPECT_EQ(media_ + "/recordings/" + g[1].rel, b);
  EXPECT_DOUBLE_EQ(g[0].start, kNow - 180);
  EXPECT_EQ(index.bytes("garden"), blocks_of(a) + blocks_of(b)) << "st_blocks × 512, as du counts";
  EXPECT_GE(index.bytes("garden"), 200000u);

  // The recorder's feed after the walk: a file already there is not counted twice.
  EXPECT_FALSE(index.add_file(b, kNow - 120, kNow - 60));
  const std::string d = segment("garden", kNow - 60);
  EXPECT_TRUE(index.add_file(d, kNow - 60, kNow));
  EXPECT_FALSE(index.add_file(dir + "/.59.00.mp4.part", kNow, kNow)) << "never a dot-name";
  EXPECT_EQ(index.bytes("garden"), blocks_of(a) + blocks_of(b) + blocks_of(d));
  EXPECT_TRUE(index.erase("garden", g[0]));
  EXPECT_FALSE(index.erase("garden", g[0]));
  EXPECT_EQ(index.bytes("garden"), blocks_of(b) + blocks_of(d));
  EXPECT_EQ(index.bytes("porch"), blocks_of(c));
  // The write rate: the segments that ended in the last hour.
  const CameraUsage u = index.usage("garden", kNow);
  EXPECT_EQ(u.segments, 2u);
  EXPECT_EQ(u.recent_bytes, blocks_of(b) + blocks_of(d)) << "both ended within the hour";
  EXPECT_DOUBLE_EQ(*u.oldest_start, kNow - 120);
}

// ---- the budget decision ----

TEST_F(BudgetTest, BudgetDeletesTheOldestOfThatCameraOnly) {
  std::vector<std::string> g, p;
  for (int i = 0; i < 10; ++i) g.push_back(segment("garden", kNow - 600 + i * 60));
  for (int i = 0; i < 10; ++i) p.push_back(segment("porch", kNow - 600 + i * 60));
  const uint64_t one = blocks_of(g[0]);
  cam("garden").record_max_mb = double(4 * one) / 1e6;  // room for 4 segments
  auto r = make();
  RetentionReport rep = r->enforce_floor();
  EXPECT_EQ(rep.budget_recordings, 6);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(fs::exists(g[i])) << i;
  for (int i = 6; i < 10; ++i) EXPECT_TRUE(fs::exists(g[i])) << i;
  for (const std::string& s : p) EXPECT_TRUE(fs::exists(s)) << "porch has no budget";
  EXPECT_LE(r->index().bytes("garden"), r->budget_bytes("garden"));
  EXPECT_EQ(r->index().bytes("porch"), 10 * one);

  // The recorder's next segment takes it over again: the oldest goes.
  clock_.wall_time += 60;
  r->segment_completed(segment("garden", kNow + 60), kNow + 60, kNow + 120);
  rep = r->enforce_floor();
  EXPECT_EQ(rep.budget_recordings, 1);
  EXPECT_FALSE(fs::exists(g[6]));
  EXPECT_TRUE(fs::exists(g[7]));
}

TEST_F(BudgetTest, PerCameraBudgetWinsAndTheGlobalOneAppliesToUnconfiguredCameras) {
  cfg_.record_max_mb = 1;
  cam("garden").record_max_mb = 0;  // as if written `max_mb: 0` on the camera: none
  cam("porch").record_max_mb = 2;
  auto r = make();
  EXPECT_EQ(r->budget_bytes("garden"), 0u);
  EXPECT_EQ(r->budget_bytes("porch"), 2000000u);
  EXPECT_EQ(r->budget_bytes("gone"), 1000000u);
}

// A segment an event in progress needs survives the budget (and retain_days) until the
// event ends; the camera over its budget is logged once and counted once per episode.
TEST_F(BudgetTest, HeldSegmentsSurviveUntilTheEventEnds) {
  std::vector<std::string> g;
  for (int i = 0; i < 6; ++i) g.push_back(segment("garden", kNow - 360 + i * 60));
  cam("garden").record_max_mb = double(2 * blocks_of(g[0])) / 1e6;
  std::map<std::string, double> holds = {{"garden", kNow - 250}};  // event from the 3rd segment on
  auto r = make();
  r->set_recording_holds([&holds] { return holds; });
  RetentionReport rep = r->enforce_floor();
  EXPECT_EQ(rep.budget_recordings, 1) << "only the segment that ended before the hold";
  EXPECT_EQ(rep.budget_held, 1);
  EXPECT_FALSE(fs::exists(g[0]));
  for (int i = 1; i < 6; ++i) EXPECT_TRUE(fs::exists(g[i])) << i;
  EXPECT_EQ(r->budget_held("garden"), 1u);
  rep = r->enforce_floor();
  EXPECT_EQ(rep.budget_held, 1);
  EXPECT_EQ(r->budget_held("garden"), 1u) << "one episode, counted once";

  // retain_days too: the held segments are older than 0 days, and still kept.
  cam("garden").record_retain_days = 0;
  rep = r->run_once();
  EXPECT_EQ(rep.recordings_expired, 0);
  EXPECT_TRUE(fs::exists(g[1]));

  holds.clear();  // the event ended
  cam("garden").record_retain_days = 30;
  rep = r->enforce_floor();
  EXPECT_EQ(rep.budget_recordings, 3);
  EXPECT_EQ(rep.budget_held, 0);
  for (int i = 1; i < 4; ++i) EXPECT_FALSE(fs::exists(g[i])) << i;
  EXPECT_TRUE(fs::exists(g[4]));
  EXPECT_TRUE(fs::exists(g[5]));
  EXPECT_EQ(r->budget_held("garden"), 1u);
}

// The index is walked once: a pass after it does not see a file the recorder never
// reported (the walk is not repeated), and deletes a file from the index that is gone.
TEST_F(BudgetTest, PassesUseTheIndexNotAWalk) {
  const std::string a = segment("garden", kNow - 40 * 86400);
  auto r = make();
  r->run_once();
  EXPECT_FALSE(fs::exists(a));
  const std::string b = segment("garden", kNow - 41 * 86400);  // not reported by a recorder
  r->run_once();
  EXPECT_TRUE(fs::exists(b)) << "no walk per pass";
  r->index().add_file(b, kNow - 41 * 86400, kNow - 41 * 86400 + 60);
  fs::remove(b);  // deleted by hand meanwhile
  RetentionReport rep = r->run_once();
  EXPECT_EQ(rep.errors, 0);
  EXPECT_EQ(r->index().size(), 0u);
}

// The retention thread runs a budget check soon after a segment is reported, on the clock.
TEST_F(BudgetTest, AReportedSegmentWakesTheThread) {
  std::vector<std::string> g;
  for (int i = 0; i < 3; ++i) g.push_back(segment("garden", kNow - 180 + i * 60));
  cam("garden").record_max_mb = double(3 * blocks_of(g[0])) / 1e6;
  auto r = make();
  std::mutex mu;
  int budget_deleted = 0, passes = 0;
  r->set_pass_hook([&](const RetentionReport& rep, bool) {
    std::lock_guard lock(mu);
    budget_deleted += rep.budget_recordings;
    ++passes;
  });
  r->start(300, 10);
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return passes >= 1;
  }));
  EXPECT_TRUE(fs::exists(g[0]));
  r->segment_completed(segment("garden", kNow), kNow, kNow + 60);
  clock_.advance(1);  // the requested check waits at most a second of the clock after the last
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(mu);
    return budget_deleted == 1;
  }));
  EXPECT_FALSE(fs::exists(g[0]));
  r->stop();
}

// ---- accounting ----

TEST_F(BudgetTest, ProjectedDaysFromBudgetFreeSpaceAndRetainDays) {
  const uint64_t gb = 1000000000;
  std::vector<CameraAccount> cams(2);
  cams[0].camera = "garden";
  cams[0].bytes = 2 * gb;
  cams[0].budget = 10 * gb;
  cams[0].bytes_per_hour = double(gb) / 24;  // 1 GB a day
  cams[1].camera = "porch";
  cams[1].bytes = 1 * gb;
  cams[1].bytes_per_hour = 2.0 * double(gb) / 24;  // 2 GB a day
  // 28 GB free above the floor: garden's budget takes 8 more, porch gets the other 20.
  project_days(cams, cfg_, 28 * gb);
  EXPECT_NEAR(*cams[0].projected_days, 10, 1e-9);
  EXPECT_NEAR(*cams[1].projected_days, 10.5, 1e-9);
  // A small disk: garden's budget is beyond it.
  project_days(cams, cfg_, 3 * gb);
  EXPECT_NEAR(*cams[0].projected_days, 5, 1e-9);
  EXPECT_NEAR(*cams[1].projected_days, 0.5, 1e-9);
  // retain_days caps it; an unknown rate gives none.
  cam("garden").record_retain_days = 7;
  cams[1].bytes_per_hour = 0;
  project_days(cams, cfg_, 28 * gb);
  EXPECT_NEAR(*cams[0].projected_days, 7, 1e-9);
  EXPECT_FALSE(cams[1].projected_days.has_value());
}

// ---- config ----

TEST(BudgetConfig, MaxMbGlobalAndPerCameraRangeChecked) {
  Config c = parse_config("record:\n  max_mb: 500\n" + cameras_yaml() +
                              "  yard:\n    ffmpeg:\n      inputs:\n        - path: rtsp://cam/y\n          roles: "
                              "[detect, record]\n    width: 640\n    height: 360\n    record:\n      max_mb: 2.5\n",
                          false);
  EXPECT_DOUBLE_EQ(c.record_max_mb, 500);
  EXPECT_DOUBLE_EQ(c.camera("garden")->record_max_mb, 500);
  EXPECT_DOUBLE_EQ(c.camera("yard")->record_max_mb, 2.5);
  EXPECT_DOUBLE_EQ(parse_config(cameras_yaml(), false).camera("garden")->record_max_mb, 0) << "absent: none";
  for (const std::string& bad :
       {"record:\n  max_mb: -1\n" + cameras_yaml(), "record:\n  max_mb: 1e12\n" + cameras_yaml(),
        "record:\n  max_mb: lots\n" + cameras_yaml()}) {
    try {
      parse_config(bad, false);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("record.max_mb"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace vigil
