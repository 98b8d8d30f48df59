#include "review/review_maintainer.h"

#include <algorithm>

#include "review/review_segment.h"

namespace vigil {
namespace {

void add_unique(std::vector<std::string>& list, const std::string& v) {
  if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

}  // namespace

ReviewMaintainer::ReviewMaintainer(const CameraConfig& cam, std::string thumb_dir)
    : cam_(cam), thumb_dir_(std::move(thumb_dir)) {}

std::vector<ReviewMessage> ReviewMaintainer::update(double frame_time, const std::vector<ReviewActiveObject>& active,
                                                    const FramePtr& frame, bool recording, bool alerts_on,
                                                    bool detections_on) {
  std::vector<const ReviewActiveObject*> counted;
  std::optional<ReviewSeverity> severity;  // the highest any counted object makes now
  for (const ReviewActiveObject& o : active) {
    if (!counts_for_review(cam_, o)) continue;
    counted.push_back(&o);
    if (auto s = object_severity(cam_, o, alerts_on, detections_on); s && (!severity || *s == ReviewSeverity::kAlert))
      severity = s;
  }
  auto thumb = [&](ReviewMessage& m) {
    m.thumb_frame = frame;
    for (const ReviewActiveObject* o : counted) m.thumb_boxes.push_back(o->box);
  };
  auto add_objects = [&](ReviewData& d) {
    for (const ReviewActiveObject* o : counted) {
      add_unique(d.detections, o->id);
      add_unique(d.objects, o->label);
      for (const std::string& z : o->zones) add_unique(d.zones, z);
    }
  };

  std::vector<ReviewMessage> out;
  if (!open_) {
    if (!severity || !recording) return out;
    Open o;
    ReviewSegment& s = o.segment;
    s.id = review_segment_id(frame_time);
    s.camera = cam_.name;
    s.start_time = frame_time;
    s.severity = *severity;
    s.thumb_path = thumb_dir_ + "/" + review_thumb_name(cam_.name, s.id);
    add_objects(s.data);
    o.announced = s;
    o.last_activity = frame_time;
    o.thumb_objects = counted.size();
    ReviewMessage m{ReviewMessage::kNew, s, s, nullptr, {}, true};
    if (frame) thumb(m);
    out.push_back(std::move(m));
    open_ = std::move(o);
    return out;
  }

  Open& o = *open_;
  if (!counted.empty()) {
    o.last_activity = frame_time;
    ReviewSegment& s = o.segment;
    add_objects(s.data);
    bool upgraded = s.severity == ReviewSeverity::kDetection && severity == ReviewSeverity::kAlert;
    if (upgraded) s.severity = ReviewSeverity::kAlert;
    bool more = counted.size() > o.thumb_objects;
    // §7.2: announced only on an upgrade or more active objects than in the thumbnail
    // (which is then redrawn); other changes reach the row silently.
    ReviewMessage m{ReviewMessage::kUpdate, o.announced, s, nullptr, {}, upgraded || more};
    if (more) {
      o.thumb_objects = counted.size();
      if (frame) thumb(m);
    }
    if (m.announce) {
      o.announced = s;
      out.push_back(std::move(m));
    } else if (s.data.detections != o.announced.data.detections || s.data.zones != o.announced.data.zones ||
               s.data.objects != o.announced.data.objects) {
      out.push_back(std::move(m));
      o.announced.data = s.data;  // the row has it; `before` of the next update shows it
    }
    return out;
  }
  const double cutoff = o.segment.severity == ReviewSeverity::kAlert ? cam_.review.alerts.cutoff_time
                                                                     : cam_.review.detections.cutoff_time;
  if (frame_time > o.last_activity + cutoff) out.push_back(finish());
  return out;
}

ReviewMessage ReviewMaintainer::finish() {
  Open o = std::move(*open_);
  open_.reset();
  o.segment.end_time = o.last_activity;
  return {ReviewMessage::kEnd, o.announced, o.segment, nullptr, {}, true};
}

std::vector<ReviewMessage> ReviewMaintainer::end_all() {
  std::vector<ReviewMessage> out;
  if (open_) out.push_back(finish());
  return out;
}

}  // namespace vigil
