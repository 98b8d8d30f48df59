#include "events/event_rows.h"

#include "render/render.h"
#include "util/base64.h"

namespace vigil {
namespace {

// The fields both rows take from the object's latest state.
template <class Row>
Row common_fields(const TrackedObject& o, const CameraConfig& cam) {
  Row r;
  r.id = o.id;
  r.label = o.label;
  r.camera = cam.name;
  r.start_time = o.start_time;
  r.top_score = o.top_score;
  r.zones = o.entered_zones;
  r.thumbnail = base64_encode(render_thumbnail(o.best, cam));
  return r;
}

}  // namespace

OpenEvent open_row(const EventMessage& m, const CameraConfig& cam, bool mqtt_enabled) {
  OpenEvent e = common_fields<OpenEvent>(m.after, cam);
  const bool ended = m.type == EventMessage::kEnd;
  e.last_seen = m.after.frame_time;
  e.state = ended ? "ending" : "open";
  if (ended) e.end_time = m.end_time;
  e.end_announced = ended && mqtt_enabled;
  return e;
}

EventRecord finished_row(const EventMessage& m, const CameraConfig& cam) {
  EventRecord e = common_fields<EventRecord>(m.after, cam);
  e.end_time = m.end_time;
  return e;
}

EventRecord recovered_row(const OpenEvent& o) {
  EventRecord e;
  e.id = o.id;
  e.label = o.label;
  e.camera = o.camera;
  e.start_time = o.start_time;
  e.end_time = o.state == "ending" && o.end_time ? *o.end_time : o.last_seen;
  e.top_score = o.top_score;
  e.zones = o.zones;
  e.thumbnail = o.thumbnail;
  return e;
}

TrackedObject recovered_object(const OpenEvent& o) {
  TrackedObject t;
  t.id = o.id;
  t.label = o.label;
  t.start_time = o.start_time;
  t.frame_time = o.last_seen;
  t.top_score = o.top_score;
  t.true_positive = true;
  t.entered_zones = o.zones;
  return t;
}

}  // namespace vigil
