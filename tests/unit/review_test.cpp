// Review segments (ha-current.md §7): the maintainer's rules on frame time (start,
// severity and its upgrade, announced updates, cutoffs, the switches and the recording
// gate), ids and JSON, the reviewsegment table and /api/review's query (0.17 semantics),
// the thumbnail, and the review thread on a manual clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "review/review_maintainer.h"
#include "review/review_segment.h"
#include "review/review_store.h"
#include "review/review_thumbnail.h"
#include "storage/event_db.h"
#include "test_media.h"
#include "util/clock.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

CameraConfig walk_camera() {
  CameraConfig c;
  c.name = "walk";
  c.width = 640;
  c.height = 360;
  c.track = {"person", "car", "dog"};
  return c;
}

ReviewActiveObject obj(const std::string& id, const std::string& label, std::vector<std::string> zones = {}) {
  return {label, std::move(zones), id, {100, 100, 200, 300}};
}

class MaintainerTest : public ::testing::Test {
 protected:
  std::vector<ReviewMessage> step(double t, std::vector<ReviewActiveObject> active, bool recording = true) {
    return m_.update(t, active, frame_, recording, alerts_, detections_);
  }
  CameraConfig cam_ = walk_camera();
  FramePtr frame_ = make_black_frame(640, 360);
  bool alerts_ = true, detections_ = true;
  ReviewMaintainer m_{cam_, "/media/frigate/clips/review"};
};

TEST_F(MaintainerTest, PersonStartsAnAlertWithIdThumbAndIdenticalBeforeAfter) {
  auto out = step(1000.25, {obj("ev1", "person", {"yard"})});
  ASSERT_EQ(out.size(), 1u);
  const ReviewMessage& m = out[0];
  EXPECT_EQ(m.type, ReviewMessage::kNew);
  EXPECT_TRUE(m.announce);
  const ReviewSegment& s = m.after;
  EXPECT_TRUE(std::regex_match(s.id, std::regex(R"(1000\.250000-[a-z0-9]{6})"))) << s.id;
  EXPECT_EQ(s.camera, "walk");
  EXPECT_EQ(s.start_time, 1000.25);
  EXPECT_FALSE(s.end_time);
  EXPECT_EQ(s.severity, ReviewSeverity::kAlert);
  EXPECT_EQ(s.thumb_path, "/media/frigate/clips/review/thumb-walk-" + s.id + ".webp");
  EXPECT_EQ(s.data.detections, std::vector<std::string>{"ev1"});
  EXPECT_EQ(s.data.objects, std::vector<std::string>{"person"});
  EXPECT_EQ(s.data.zones, std::vector<std::string>{"yard"});
  EXPECT_EQ(review_json(m.before), review_json(m.after));
  EXPECT_EQ(m.thumb_frame, frame_);
  EXPECT_EQ(m.thumb_boxes.size(), 1u);
  EXPECT_NE(review_segment_id(1000.25), review_segment_id(1000.25));
}

TEST_F(MaintainerTest, NothingWithoutActiveObjectsOrWithLabelsNotReviewed) {
  EXPECT_TRUE(step(1000, {}).empty());
  cam_.review.detections.labels = std::vector<std::string>{"car"};
  EXPECT_TRUE(step(1001, {obj("ev1", "dog")}).empty());  // neither an alert nor a detection label
  EXPECT_FALSE(m_.open());
}

TEST_F(MaintainerTest, RecordingOffStartsNothingButAnOpenSegmentGoesOn) {
  EXPECT_TRUE(step(1000, {obj("ev1", "person")}, false).empty());
  ASSERT_EQ(step(1001, {obj("ev1", "person")}, true).size(), 1u);
  auto out = step(1002, {obj("ev1", "person"), obj("ev2", "person")}, false);  // still updated
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReviewMessage::kUpdate);
  out = step(1002 + 41, {}, false);  // and ended
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReviewMessage::kEnd);
}

TEST_F(MaintainerTest, SwitchesGateWhichSeverityStarts) {
  alerts_ = false;
  auto out = step(1000, {obj("ev1", "person")});  // person is a detection label too
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].after.severity, ReviewSeverity::kDetection);
  EXPECT_EQ(step(1000 + 31, {}).size(), 1u);  // ends
  detections_ = false;
  EXPECT_TRUE(step(1040, {obj("ev2", "person")}).empty());
  EXPECT_FALSE(m_.open());
}

TEST_F(MaintainerTest, DetectionUpgradesToAlertAndIsAnnounced) {
  ASSERT_EQ(step(1000, {obj("ev1", "dog")}).at(0).after.severity, ReviewSeverity::kDetection);
  auto out = step(1001, {obj("ev1", "dog"), obj("ev2", "car")});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReviewMessage::kUpdate);
  EXPECT_TRUE(out[0].announce);
  EXPECT_EQ(out[0].before.severity, ReviewSeverity::kDetection);
  EXPECT_EQ(out[0].after.severity, ReviewSeverity::kAlert);
  EXPECT_EQ(out[0].after.data.objects, (std::vector<std::string>{"dog", "car"}));
  EXPECT_EQ(out[0].after.data.detections, (std::vector<std::string>{"ev1", "ev2"}));
}

TEST_F(MaintainerTest, UpdateAnnouncedOnlyForMoreObjectsThanTheThumbnail) {
  step(1000, {obj("ev1", "person"), obj("ev2", "person")});
  // Fewer objects, a new zone: the row learns it, nothing is announced, no thumbnail.
  auto out = step(1001, {obj("ev1", "person", {"yard"})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].announce);
  EXPECT_FALSE(out[0].thumb_frame);
  EXPECT_EQ(out[0].after.data.zones, std::vector<std::string>{"yard"});
  EXPECT_TRUE(step(1002, {obj("ev1", "person", {"yard"})}).empty());  // nothing changed
  // Three objects: more than the thumbnail's two → announced, thumbnail redrawn.
  out = step(1003, {obj("ev1", "person", {"yard", "porch"}), obj("ev2", "person"), obj("ev3", "person")});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].announce);
  EXPECT_TRUE(out[0].thumb_frame);
  EXPECT_EQ(out[0].thumb_boxes.size(), 3u);
  EXPECT_EQ(out[0].after.data.zones, (std::vector<std::string>{"yard", "porch"}));  // first-entered order
}

TEST_F(MaintainerTest, CutoffsEndAtLastActivity) {
  // Alert: 40 s (0.17 default). Not at 40 s after the last activity, after it.
  step(1000, {obj("ev1", "person")});
  step(1005, {obj("ev1", "person")});
  EXPECT_TRUE(step(1045, {}).empty());
  auto out = step(1045.1, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ReviewMessage::kEnd);
  EXPECT_EQ(out[0].after.end_time, 1005);
  EXPECT_FALSE(out[0].before.end_time);
  // Detection: 30 s.
  step(2000, {obj("ev2", "dog")});
  EXPECT_TRUE(step(2030, {}).empty());
  EXPECT_EQ(step(2030.1, {}).size(), 1u);
  // Configured cutoffs.
  cam_.review.detections.cutoff_time = 2;
  step(3000, {obj("ev3", "dog")});
  EXPECT_TRUE(step(3002, {}).empty());
  EXPECT_EQ(step(3002.5, {}).at(0).after.end_time, 3000);
  // Activity resets the wait; a clean stop ends at the last activity.
  step(4000, {obj("ev4", "dog")});
  step(4001.5, {obj("ev4", "dog")});
  EXPECT_TRUE(step(4003, {}).empty());
  auto ended = m_.end_all();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].after.end_time, 4001.5);
}

TEST_F(MaintainerTest, RequiredZones) {
  cam_.review.alerts.required_zones = {"porch"};
  EXPECT_EQ(step(1000, {obj("ev1", "person", {"yard"})}).at(0).after.severity, ReviewSeverity::kDetection);
  auto out = step(1001, {obj("ev1", "person", {"yard", "porch"})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].after.severity, ReviewSeverity::kAlert);
  cam_.review.detections.required_zones = {"porch"};
  ReviewMaintainer other(cam_, "/x");
  EXPECT_TRUE(other.update(1000, {obj("ev9", "dog", {"yard"})}, frame_, true, true, true).empty());
}

TEST(ReviewJson, ShapeOfTheSpec) {
  ReviewSegment s;
  s.id = "1718987129.308396-fqk5ka";
  s.camera = "front_cam";
  s.start_time = 1718987129.308396;
  s.severity = ReviewSeverity::kDetection;
  s.thumb_path = "/media/frigate/clips/review/thumb-front_cam-1718987129.308396-fqk5ka.webp";
  s.data.detections = {"1718987128.947436-g92ztx"};
  s.data.objects = {"person"};
  auto j = review_json(s);
  EXPECT_EQ(j, nlohmann::json::parse(R"({"id":"1718987129.308396-fqk5ka","camera":"front_cam",
    "start_time":1718987129.308396,"end_time":null,"has_been_reviewed":false,"severity":"detection",
    "thumb_path":"/media/frigate/clips/review/thumb-front_cam-1718987129.308396-fqk5ka.webp",
    "data":{"detections":["1718987128.947436-g92ztx"],"objects":["person"],"sub_labels":[],"zones":[],"audio":[]}})"));
}

// ---- storage ----

class ReviewDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir();
    db_ = std::make_unique<EventDb>(dir_ + "/frigate.db");
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }
  ReviewSegment seg(const std::string& id, const std::string& camera, double start, std::optional<double> end,
                    ReviewSeverity sev, std::vector<std::string> objects, std::vector<std::string> zones = {}) {
    ReviewSegment s;
    s.id = id;
    s.camera = camera;
    s.start_time = start;
    s.end_time = end;
    s.severity = sev;
    s.thumb_path = dir_ + "/clips/review/" + review_thumb_name(camera, id);
    s.data.objects = std::move(objects);
    s.data.zones = std::move(zones);
    return s;
  }
  std::vector<std::string> ids(const ReviewQuery& q) {
    std::vector<std::string> out;
    for (const ReviewSegment& s : db_->list_reviews(q)) out.push_back(s.id);
    return out;
  }
  std::string dir_;
  std::unique_ptr<EventDb> db_;
};

TEST_F(ReviewDbTest, QueryHasTheSemanticsOf017) {
  db_->upsert_review(seg("a", "walk", 100, 110, ReviewSeverity::kAlert, {"person"}, {"yard"}));
  db_->upsert_review(seg("b", "walk", 200, 210, ReviewSeverity::kDetection, {"dog"}));
  db_->upsert_review(seg("c", "gate", 300, std::nullopt, ReviewSeverity::kAlert, {"car"}, {"drive"}));
  ReviewQuery q;
  q.before = 1000;
  q.after = 0;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"c", "b", "a"}));  // start_time DESC; reviewed absent = all
  // Overlap window: a segment that starts before `after` but ends inside counts; an open one too.
  q.after = 105;
  q.before = 201;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"b", "a"}));
  q.after = 250;
  q.before = 1000;
  EXPECT_EQ(ids(q), std::vector<std::string>{"c"});
  q = {};
  q.before = 1000;
  q.cameras = {"walk"};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"b", "a"}));
  q.cameras = {};
  q.labels = {"car", "dog"};
  EXPECT_EQ(ids(q), (std::vector<std::string>{"c", "b"}));
  q.labels = {};
  q.zones = {"yard"};
  EXPECT_EQ(ids(q), std::vector<std::string>{"a"});
  q.zones = {};
  q.severity = ReviewSeverity::kAlert;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"c", "a"}));
  q.severity.reset();
  q.limit = 1;
  EXPECT_EQ(ids(q), std::vector<std::string>{"c"});
  q.limit = -1;
  // reviewed: 1 = reviewed only, 0 = unreviewed only; flipping back works.
  EXPECT_EQ(db_->set_reviewed({"a", "zzz"}, true), 1);
  q.reviewed = true;
  EXPECT_EQ(ids(q), std::vector<std::string>{"a"});
  q.reviewed = false;
  EXPECT_EQ(ids(q), (std::vector<std::string>{"c", "b"}));
  db_->set_reviewed({"a"}, false);
  EXPECT_EQ(ids(q).size(), 3u);
  // An upsert keeps has_been_reviewed.
  db_->set_reviewed({"b"}, true);
  db_->upsert_review(seg("b", "walk", 200, 220, ReviewSeverity::kAlert, {"dog", "person"}));
  auto b = db_->get_review("b");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->has_been_reviewed);
  EXPECT_EQ(b->end_time, 220);
  EXPECT_EQ(b->severity, ReviewSeverity::kAlert);
  EXPECT_EQ(b->data.objects, (std::vector<std::string>{"dog", "person"}));
  EXPECT_FALSE(db_->get_review("nope"));
}

TEST_F(ReviewDbTest, OpenSegmentsCloseAndRetentionDeletes) {
  db_->upsert_review(seg("a", "walk", 100, std::nullopt, ReviewSeverity::kAlert, {"person"}));
  db_->upsert_review(seg("b", "walk", 10, 20, ReviewSeverity::kAlert, {"person"}));
  EXPECT_EQ(db_->close_open_reviews(555), 1);
  EXPECT_EQ(db_->get_review("a")->end_time, 555);
  EXPECT_EQ(db_->close_open_reviews(600), 0);
  auto thumbs = db_->delete_reviews_before("walk", 100);
  ASSERT_EQ(thumbs.size(), 1u);
  EXPECT_NE(thumbs[0].find("thumb-walk-b.webp"), std::string::npos);
  EXPECT_FALSE(db_->get_review("b"));
  EXPECT_TRUE(db_->get_review("a"));
  // The schema is created once: reopening keeps the rows (and 0.8's event table).
  db_.reset();
  db_ = std::make_unique<EventDb>(dir_ + "/frigate.db");
  EXPECT_TRUE(db_->get_review("a"));
  EXPECT_TRUE(db_->list(EventQuery{}).empty());
}

// ---- thumbnail and the review thread ----

TEST(ReviewThumbnail, SixteenByNineCropEncodedAsWebp) {
  Box c = review_thumb_crop({{100, 100, 200, 300}}, 640, 360);
  EXPECT_GE(c.x1, 0);
  EXPECT_LE(c.x2, 640);
  EXPECT_LE(c.y2, 360);
  EXPECT_LE(c.x1, 100);
  EXPECT_GE(c.x2, 200);
  EXPECT_NEAR(double(c.width()) / c.height(), 16.0 / 9, 0.02);
  std::string webp = render_review_thumbnail(*make_black_frame(640, 360), {{100, 100, 200, 300}});
  ASSERT_GT(webp.size(), 12u);
  EXPECT_EQ(webp.substr(0, 4), "RIFF");
  EXPECT_EQ(webp.substr(8, 4), "WEBP");
  cv::Mat img = cv::imdecode(std::vector<uchar>(webp.begin(), webp.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(img.rows, kReviewThumbHeight);
}

TEST(ReviewStore, ClosesOpenSegmentsAtStartAndWritesRowsAndThumbnails) {
  const std::string dir = test::temp_dir();
  ManualClock clock;
  EventDb db(dir + "/frigate.db");
  ReviewSegment left;
  left.id = "1.000000-aaaaaa";
  left.camera = "walk";
  left.start_time = 1;
  left.thumb_path = dir + "/clips/review/" + review_thumb_name("walk", left.id);
  db.upsert_review(left);
  // A thumbnail a crash left half-written (a dot-named temporary) goes; a finished one stays.
  fs::create_directories(dir + "/clips/review");
  const std::string half = dir + "/clips/review/.thumb-walk-0.500000-bbbbbb.webp.tmp";
  const std::string kept = dir + "/clips/review/thumb-walk-0.100000-cccccc.webp";
  std::ofstream(half) << "x";
  std::ofstream(kept) << "x";

  CameraConfig cam = walk_camera();
  ReviewMaintainer m(cam, dir + "/clips/review");
  ReviewStore store(db, dir + "/clips/review", clock);
  std::atomic<int> written{0};
  store.set_on_written([&](const ReviewMessage&) { ++written; });
  store.start();
  EXPECT_EQ(db.get_review(left.id)->end_time, clock.wall());  // closed at "now"
  EXPECT_FALSE(fs::exists(half));
  EXPECT_TRUE(fs::exists(kept));

  auto msgs = m.update(2000, {obj("ev1", "person")}, make_black_frame(640, 360), true, true, true);
  const ReviewSegment seg = msgs.at(0).after;
  store.submit(std::move(msgs));
  ASSERT_TRUE(test::eventually([&] { return written == 1; }));
  auto row = db.get_review(seg.id);
  ASSERT_TRUE(row);
  EXPECT_FALSE(row->end_time);
  ASSERT_TRUE(fs::exists(seg.thumb_path));
  cv::Mat img = cv::imread(seg.thumb_path);
  EXPECT_EQ(img.rows, kReviewThumbHeight);
  store.submit(m.update(2100, {}, nullptr, true, true, true));  // past the cutoff: end
  store.stop();                                                 // writes what is queued
  EXPECT_EQ(written, 2);
  EXPECT_EQ(db.get_review(seg.id)->end_time, 2000);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil
