#include "tracking/tracker.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <regex>

#include "tracking/appearance.h"
#include "tracking/hungarian.h"

namespace vigil {
namespace {

Detection person(int cx, int cy, int w = 40, int h = 100, double score = 0.8) {
  Detection d;
  d.label = "person";
  d.score = score;
  d.box = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
  d.area = w * h;
  return d;
}

struct Ids {
  int n = 0;
  std::string operator()(double) { return "id" + std::to_string(n++); }
};

// The id of the track whose last box is centred at (cx, cy).
std::string id_at(const Tracker& t, int cx, int cy) {
  for (const Track& tr : t.tracks())
    if (std::abs((tr.det.box.x1 + tr.det.box.x2) / 2 - cx) <= 1 &&
        std::abs((tr.det.box.y1 + tr.det.box.y2) / 2 - cy) <= 1)
      return tr.id;
  return "";
}

}  // namespace

TEST(Tracker, FrameTimeTextMatchesPythonRepr) {
  EXPECT_EQ(frame_time_text(1607123955.475377), "1607123955.475377");
  EXPECT_EQ(frame_time_text(1607123955.5), "1607123955.5");
  EXPECT_EQ(frame_time_text(1607123955.0), "1607123955.0");
  EXPECT_TRUE(std::regex_match(random_track_id(1607123955.5), std::regex(R"(1607123955\.5-[a-z0-9]{6})")));
  EXPECT_NE(random_track_id(1.0), random_track_id(1.0));
}

TEST(Tracker, HungarianFindsTheOptimalAssignment) {
  // Greedy (row 0 takes its cheapest column 0) would cost 1 + 100; optimal is 2 + 3.
  EXPECT_EQ(solve_assignment({{1, 2}, {3, 100}}), (std::vector<int>{1, 0}));
  EXPECT_EQ(solve_assignment({{5}, {1}, {9}}), (std::vector<int>{-1, 0, -1}));
  EXPECT_EQ(solve_assignment({{4, 1, 9}}), (std::vector<int>{1}));
}

// Two people walk towards each other and cross; 0.8's greedy nearest-centroid order
// swapped their ids at the crossing, the velocity-aware assignment keeps them.
TEST(Tracker, CrossingPathsKeepTheirIds) {
  Tracker t(10, Ids{});
  int ax = 100, bx = 300;
  t.update(0, {person(ax, 200), person(bx, 204)});
  std::string a = id_at(t, ax, 200), b = id_at(t, bx, 204);
  ASSERT_NE(a, b);
  for (int f = 1; f <= 20; ++f) {
    ax += 10;
    bx -= 10;
    t.update(f, {person(bx, 204), person(ax, 200)});
    ASSERT_EQ(t.tracks().size(), 2u) << "frame " << f;
    EXPECT_EQ(id_at(t, ax, 200), a) << "frame " << f;
    EXPECT_EQ(id_at(t, bx, 204), b) << "frame " << f;
  }
  EXPECT_GT(ax, bx);  // they did cross
}

// Hidden for fewer than max_disappeared frames (e.g. behind a pole): same id.
TEST(Tracker, ShortOcclusionKeepsTheId) {
  Tracker t(10, Ids{});
  int x = 100;
  t.update(0, {person(x, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 5; ++f) t.update(f, {person(x += 8, 200)});
  for (int f = 6; f <= 12; ++f) {  // 7 frames unseen
    x += 8;
    t.update(f, {});
    ASSERT_EQ(t.tracks().size(), 1u);
    EXPECT_EQ(t.tracks()[0].disappeared, f - 5);
  }
  t.update(13, {person(x += 8, 200)});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_EQ(t.tracks()[0].id, id);
  EXPECT_EQ(t.tracks()[0].disappeared, 0);
}

// Gone for more than max_disappeared frames: the track ends on the
// (max_disappeared + 1)-th unmatched frame and a returning object gets a new id.
TEST(Tracker, LeavingAndComingBackLaterGivesANewId) {
  Tracker t(4, Ids{});
  t.update(0, {person(100, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 4; ++f) {
    t.update(f, {});
    ASSERT_EQ(t.tracks().size(), 1u) << f;
  }
  t.update(5, {});
  EXPECT_TRUE(t.tracks().empty());
  ASSERT_EQ(t.removed().size(), 1u);
  EXPECT_EQ(t.removed()[0], id);
  t.update(6, {person(100, 200)});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_NE(t.tracks()[0].id, id);
}

// One person leaves at the left while another appears far away at the right in the
// same frame: 0.8 handed the old id to the newcomer; the gate prevents it.
TEST(Tracker, FarAwayNewcomerDoesNotInheritAnId) {
  Tracker t(10, Ids{});
  t.update(0, {person(30, 200)});
  std::string id = t.tracks()[0].id;
  t.update(1, {person(700, 220)});
  ASSERT_EQ(t.tracks().size(), 2u);
  EXPECT_EQ(t.tracks()[0].id, id);
  EXPECT_EQ(t.tracks()[0].disappeared, 1);
  EXPECT_NE(t.tracks()[1].id, id);
}

TEST(Tracker, LabelsNeverMix) {
  Tracker t(10, Ids{});
  Detection car = person(100, 200);
  car.label = "car";
  t.update(0, {person(100, 200), car});
  ASSERT_EQ(t.tracks().size(), 2u);  // 0.8 stopped after the first new label; vigil does not
  t.update(1, {car});
  for (const Track& tr : t.tracks()) EXPECT_EQ(tr.matched, tr.det.label == "car");
}

// Stationary objects on held frames (§7.4) are not aged.
TEST(Tracker, HeldTracksDoNotAge) {
  Tracker t(2, Ids{});
  t.update(0, {person(100, 200)});
  std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 20; ++f) t.update(f, {}, {id});
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_EQ(t.tracks()[0].disappeared, 0);
}

// Appearance (issue 16): people drawn into a noisy frame as two coloured blocks (top
// and trousers); the detections carry what describe_appearance() sees there.
namespace {

struct Look {
  cv::Scalar top, bottom;  // BGR
};
const Look kRedBlue{{40, 40, 200}, {150, 60, 20}};
const Look kRedBlueAgain{{50, 45, 190}, {140, 70, 30}};  // the same clothes, other light
const Look kGreenYellow{{60, 170, 40}, {40, 200, 220}};
const Look kGreyBlack{{128, 128, 128}, {30, 30, 30}};

// A 768×576 frame with noise and the people at their centres.
class Scene {
 public:
  cv::Mat frame() const { return frame_; }
  void clear() {
    frame_.create(576, 768, CV_8UC3);
    cv::randn(frame_, cv::Scalar::all(110), cv::Scalar::all(12));
  }
  Detection draw(int cx, int cy, const Look& look) {
    Detection d = person(cx, cy, 40, 100);
    const Box& b = d.box;
    cv::rectangle(frame_, cv::Rect(b.x1, b.y1, b.width(), b.height() / 2), look.top, cv::FILLED);
    cv::rectangle(frame_, cv::Rect(b.x1, b.y1 + b.height() / 2, b.width(), b.height() - b.height() / 2), look.bottom,
                  cv::FILLED);
    cv::Mat noise(frame_.size(), CV_8UC3);
    cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(6));
    cv::add(frame_, noise, frame_);
    return d;
  }
  // Sets the appearance of detections drawn so far from the finished frame.
  static std::vector<Detection> seen(const cv::Mat& frame, std::vector<Detection> ds) {
    for (Detection& d : ds) d.appearance = describe_appearance(frame, d.box);
    return ds;
  }

 private:
  cv::Mat frame_;
};

// One frame with `people` (centre x, centre y, look) drawn and detected.
std::vector<Detection> frame_with(Scene& s, const std::vector<std::tuple<int, int, Look>>& people) {
  s.clear();
  std::vector<Detection> ds;
  for (const auto& [x, y, look] : people) ds.push_back(s.draw(x, y, look));
  return Scene::seen(s.frame(), ds);
}

}  // namespace

TEST(Appearance, SameClothesAreCloseOtherClothesFar) {
  Scene s;
  auto a = frame_with(s, {{200, 300, kRedBlue}, {500, 300, kGreenYellow}});
  auto b = frame_with(s, {{230, 310, kRedBlueAgain}, {520, 290, kGreyBlack}});
  ASSERT_EQ(a[0].appearance.size(), size_t(2 * kAppearanceBins));
  EXPECT_LT(appearance_distance(a[0].appearance, b[0].appearance), 0.25);
  EXPECT_GT(appearance_distance(a[0].appearance, a[1].appearance), 0.6);
  EXPECT_GT(appearance_distance(a[0].appearance, b[1].appearance), 0.6);
  EXPECT_GT(appearance_distance(a[1].appearance, b[1].appearance), 0.6);
  EXPECT_EQ(appearance_distance(a[0].appearance, {}), 0.0) << "unknown is no evidence";
  EXPECT_TRUE(describe_appearance(s.frame(), {10, 10, 14, 14}).empty()) << "too small to say";
}

// Two differently dressed people walk towards each other at the same height; where they
// meet one hides the other for two frames. Both keep their ids.
TEST(TrackerAppearance, TwoPeopleCrossingKeepTheirIds) {
  Tracker t(10, Ids{});
  Scene s;
  int ax = 200, bx = 400;
  t.update(0, frame_with(s, {{ax, 300, kRedBlue}, {bx, 300, kGreenYellow}}));
  const std::string a = id_at(t, ax, 300), b = id_at(t, bx, 300);
  ASSERT_NE(a, b);
  for (int f = 1; f <= 16; ++f) {
    ax += 12;
    bx -= 12;
    if (std::abs(ax - bx) < 20) {  // b walks behind a: only a is seen
      t.update(f, frame_with(s, {{ax, 300, kRedBlue}}));
      EXPECT_EQ(id_at(t, ax, 300), a) << "frame " << f;
      continue;
    }
    t.update(f, frame_with(s, {{bx, 300, kGreenYellow}, {ax, 300, kRedBlue}}));
    EXPECT_EQ(id_at(t, ax, 300), a) << "frame " << f;
    EXPECT_EQ(id_at(t, bx, 300), b) << "frame " << f;
  }
  EXPECT_GT(ax, bx);
}

// One person walks out at the door as another, dressed differently, comes in at the
// same place in the next frame: the newcomer gets a new id (by position alone it would
// have continued the first one's track, and the first one's event).
TEST(TrackerAppearance, OneLeavesAsAnotherEntersAtTheSamePlace) {
  Tracker t(10, Ids{});
  Scene s;
  int x = 600;
  t.update(0, frame_with(s, {{x, 300, kRedBlue}}));
  const std::string first = t.tracks()[0].id;
  for (int f = 1; f <= 5; ++f) t.update(f, frame_with(s, {{x += 20, 300, kRedBlue}}));
  t.update(6, frame_with(s, {{x - 10, 300, kGreyBlack}}));  // first is gone; second at the door
  ASSERT_EQ(t.created().size(), 1u);
  EXPECT_NE(t.created()[0], first);
  EXPECT_EQ(id_at(t, x - 10, 300), t.created()[0]);
}

// Behind a pillar for 2 s (10 frames at 5 fps): the same person comes out where the
// prediction says and keeps the id.
TEST(TrackerAppearance, OccludedForTwoSecondsKeepsTheId) {
  Tracker t(25, Ids{});
  Scene s;
  int x = 100;
  t.update(0, frame_with(s, {{x, 300, kRedBlue}}));
  const std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 5; ++f) t.update(f, frame_with(s, {{x += 10, 300, kRedBlue}}));
  for (int f = 6; f <= 15; ++f) {
    x += 10;
    t.update(f, frame_with(s, {}));
  }
  t.update(16, frame_with(s, {{x += 10, 300, kRedBlueAgain}}));
  ASSERT_EQ(t.tracks().size(), 1u);
  EXPECT_EQ(t.tracks()[0].id, id);
  EXPECT_TRUE(t.created().empty());
}

// A person stops being detected (turned away, shadow); a differently dressed person
// walks into the place. The newcomer does not take the id, and the first person, seen
// again beside the newcomer, still has it.
TEST(TrackerAppearance, ADifferentLookingPersonDoesNotTakeTheId) {
  Tracker t(25, Ids{});
  Scene s;
  t.update(0, frame_with(s, {{300, 300, kRedBlue}}));
  const std::string id = t.tracks()[0].id;
  for (int f = 1; f <= 3; ++f) t.update(f, frame_with(s, {}));
  t.update(4, frame_with(s, {{305, 300, kGreenYellow}}));
  ASSERT_EQ(t.created().size(), 1u);
  const std::string other = t.created()[0];
  EXPECT_NE(other, id);
  t.update(5, frame_with(s, {{300, 300, kRedBlue}, {360, 300, kGreenYellow}}));
  EXPECT_EQ(id_at(t, 300, 300), id);
  EXPECT_EQ(id_at(t, 360, 300), other);
}

}  // namespace vigil
