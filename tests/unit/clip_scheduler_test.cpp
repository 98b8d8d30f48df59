// When an ended event's clip is cut (storage.md §4.2), as pure logic on a fake cache and
// a manual clock: as soon as the cache holds the span; from what exists 30 s after the
// span's end or when stopping; waiting otherwise.
#include "events/clip_scheduler.h"

#include <gtest/gtest.h>

#include <map>

#include "config/config.h"
#include "test_media.h"
#include "util/clock.h"

using namespace vigil;

namespace {

class FakeCaches final : public CacheView {
 public:
  std::map<std::string, double> until;  // camera → cached up to
  std::optional<double> available_until(const std::string& camera) const override {
    auto it = until.find(camera);
    if (it == until.end()) return std::nullopt;
    return it->second;
  }
};

EventMessage ended(const std::string& id, const std::string& camera) {
  EventMessage m = test::walk_event(EventMessage::kEnd, 0, 0);
  m.after.id = id;
  m.camera = camera;
  return m;
}

}  // namespace

TEST(ClipScheduler, SpanIsPreAndPostCaptureBoundedByMaxSeconds) {
  CameraConfig cam;
  cam.clips.pre_capture = 5;
  cam.clips.post_capture = 7;
  ClipSpan s = clip_span(cam, 300, 1000, 1100);
  EXPECT_DOUBLE_EQ(s.a, 995);
  EXPECT_DOUBLE_EQ(s.b, 1107);
  s = clip_span(cam, 60, 1000, 1100);  // a long event: the last 60 s only
  EXPECT_DOUBLE_EQ(s.a, 1040);
  EXPECT_DOUBLE_EQ(s.b, 1107);
}

TEST(ClipScheduler, WaitsForTheCacheThenCuts) {
  ManualClock clock;
  const double t = clock.wall();
  FakeCaches caches;
  caches.until["walk"] = t;
  ClipScheduler s;
  s.add(ended("ev1", "walk"), {t - 20, t + 5});
  EXPECT_EQ(s.next_deadline(), t + 5 + ClipScheduler::kGraceAfterSpan);
  EXPECT_TRUE(s.take_ready(clock.wall(), false, caches).empty()) << "the span is not cached yet";
  clock.advance(5);
  caches.until["walk"] = t + 4.9;
  EXPECT_TRUE(s.take_ready(clock.wall(), false, caches).empty());
  caches.until["walk"] = t + 5;
  auto ready = s.take_ready(clock.wall(), false, caches);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].end.after.id, "ev1");
  EXPECT_EQ(ClipScheduler::decide(ready[0], clock.wall(), false, caches), ClipScheduler::Decision::kCut);
  EXPECT_TRUE(s.jobs().empty());
  EXPECT_FALSE(s.next_deadline());
}

TEST(ClipScheduler, GivesUpWaitingAtTheDeadlineOrWhenStopping) {
  ManualClock clock;
  const double t = clock.wall();
  FakeCaches caches;
  caches.until["walk"] = t;  // the cache stalled here
  ClipScheduler s;
  s.add(ended("ev1", "walk"), {t - 20, t + 5});
  s.add(ended("ev2", "gone"), {t - 20, t + 10});  // a camera without a cache
  const ClipJob& j1 = s.jobs()[0];
  EXPECT_EQ(ClipScheduler::decide(j1, t, false, caches), ClipScheduler::Decision::kWait);
  EXPECT_EQ(ClipScheduler::decide(j1, t, true, caches), ClipScheduler::Decision::kCutWhatExists);
  clock.advance(5 + ClipScheduler::kGraceAfterSpan - 0.1);
  EXPECT_TRUE(s.take_ready(clock.wall(), false, caches).empty());
  clock.advance(0.1);
  auto ready = s.take_ready(clock.wall(), false, caches);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].end.after.id, "ev1");
  EXPECT_EQ(s.next_deadline(), t + 10 + ClipScheduler::kGraceAfterSpan);
  ready = s.take_ready(clock.wall(), true, caches);  // stopping: no more video comes
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].end.after.id, "ev2");
}

TEST(ClipScheduler, TakeAllEmptiesInOrder) {
  ClipScheduler s;
  s.add(ended("a", "walk"), {0, 10});
  s.add(ended("b", "walk"), {0, 5});
  EXPECT_EQ(s.next_deadline(), 5 + ClipScheduler::kGraceAfterSpan);
  auto all = s.take_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].end.after.id, "a");
  EXPECT_EQ(all[1].end.after.id, "b");
  EXPECT_TRUE(s.jobs().empty());
}
