// The rows of an event, mapped in one place: the open row of new/update/end messages,
// the `event` row of an ended event, and what recovery rebuilds from an open row.
#include "events/event_rows.h"

#include <gtest/gtest.h>

#include "test_media.h"

using namespace vigil;

namespace {

CameraConfig walk() {
  CameraConfig cam;
  cam.name = "walk";
  cam.width = 768;
  cam.height = 576;
  return cam;
}

}  // namespace

TEST(EventRows, OpenRowFollowsTheMessage) {
  EventMessage m = test::walk_event(EventMessage::kNew, 100, 110);
  m.after.entered_zones = {"yard"};
  OpenEvent o = open_row(m, walk(), true);
  EXPECT_EQ(o.id, "ev1");
  EXPECT_EQ(o.camera, "walk");
  EXPECT_EQ(o.label, "person");
  EXPECT_DOUBLE_EQ(o.start_time, 100);
  EXPECT_DOUBLE_EQ(o.last_seen, 110);
  EXPECT_DOUBLE_EQ(o.top_score, 0.9);
  EXPECT_EQ(o.zones, std::vector<std::string>{"yard"});
  EXPECT_EQ(o.state, "open");
  EXPECT_FALSE(o.end_time);
  EXPECT_FALSE(o.end_announced);

  const EventMessage end = test::walk_event(EventMessage::kEnd, 100, 110, 2);
  o = open_row(end, walk(), true);
  EXPECT_EQ(o.state, "ending");
  EXPECT_EQ(o.end_time, 112);
  EXPECT_TRUE(o.end_announced) << "with MQTT the camera queued the end first";
  EXPECT_FALSE(open_row(end, walk(), false).end_announced);
}

TEST(EventRows, FinishedRowEndsAtTheEndMessage) {
  const EventMessage end = test::walk_event(EventMessage::kEnd, 100, 110, 2);
  const EventRecord e = finished_row(end, walk());
  EXPECT_EQ(e.id, "ev1");
  EXPECT_EQ(e.camera, "walk");
  EXPECT_DOUBLE_EQ(e.start_time, 100);
  EXPECT_DOUBLE_EQ(e.end_time, 112);
  EXPECT_DOUBLE_EQ(e.top_score, 0.9);
  EXPECT_EQ(e.thumbnail, open_row(end, walk(), false).thumbnail) << "the same thumbnail both rows";
}

TEST(EventRows, RecoveredRowEndsAtItsRecordedEndOrWhenLastSeen) {
  OpenEvent o;
  o.id = "ev1";
  o.label = "car";
  o.camera = "walk";
  o.start_time = 100;
  o.last_seen = 110;
  o.zones = {"yard"};
  o.thumbnail = "dGh1bWI=";
  EventRecord e = recovered_row(o);
  EXPECT_DOUBLE_EQ(e.end_time, 110) << "open: ends when last seen";
  EXPECT_EQ(e.thumbnail, o.thumbnail);
  EXPECT_EQ(e.zones, o.zones);
  o.state = "ending";
  o.end_time = 115;
  EXPECT_DOUBLE_EQ(recovered_row(o).end_time, 115);
  const TrackedObject t = recovered_object(o);
  EXPECT_EQ(t.id, "ev1");
  EXPECT_EQ(t.label, "car");
  EXPECT_DOUBLE_EQ(t.frame_time, 110);
  EXPECT_TRUE(t.true_positive);
  EXPECT_EQ(t.entered_zones, o.zones);
}
