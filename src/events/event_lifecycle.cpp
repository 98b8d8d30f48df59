#include "events/event_lifecycle.h"

namespace vigil {

std::vector<EventMessage> EventLifecycle::update(double t, const ObjectStates& states,
                                                 const std::vector<TrackedObject>& ended) {
  std::vector<EventMessage> out;
  for (const auto& [id, o] : states.objects()) {
    auto [it, created] = state_.try_emplace(id);
    Published& p = it->second;
    if (created) {  // new track: remember its initial state
      p.previous = o;
      continue;
    }
    bool zones_changed = o.true_positive && o.current_zones != p.previous.current_zones;
    if (o.best_changed || zones_changed) p.last_significant = t;
    if (!o.true_positive) continue;
    if (t - p.last_published > kUpdateInterval && p.last_significant > p.last_published) {
      out.push_back({p.announced ? EventMessage::kUpdate : EventMessage::kNew, camera_, p.previous, o, 0});
      p.previous = o;
      p.last_published = t;
      p.announced = true;
    }
  }
  for (const TrackedObject& o : ended) {
    auto it = state_.find(o.id);
    if (it == state_.end()) continue;
    // A true positive that ends before its `new` went out (it became one in its last
    // frames) is still announced, so `end` never arrives without `new`.
    if (o.true_positive && !it->second.announced)
      out.push_back({EventMessage::kNew, camera_, it->second.previous, o, 0});
    if (o.true_positive) out.push_back({EventMessage::kEnd, camera_, it->second.previous, o, t});
    state_.erase(it);
  }
  return out;
}

std::vector<EventMessage> EventLifecycle::end_all(double t, const ObjectStates& states) {
  std::vector<TrackedObject> ended;
  for (const auto& [id, o] : states.objects()) ended.push_back(o);
  // Reuse the ended-track path; `update` over an empty object set sends nothing else.
  std::vector<EventMessage> out;
  for (const TrackedObject& o : ended) {
    auto it = state_.find(o.id);
    if (it == state_.end() || !o.true_positive) continue;
    if (!it->second.announced) out.push_back({EventMessage::kNew, camera_, it->second.previous, o, 0});
    out.push_back({EventMessage::kEnd, camera_, it->second.previous, o, t});
    state_.erase(it);
  }
  return out;
}

}  // namespace vigil
