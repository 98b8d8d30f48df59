#include "api/event_json.h"

#include <nlohmann/json.hpp>

namespace vigil {
namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', true, json::error_handler_t::replace); }

json event_object(const EventRecord& e, bool include_thumbnail) {
  json j = {{"id", e.id},
            {"camera", e.camera},
            {"label", e.label},
            {"start_time", e.start_time},
            {"end_time", e.end_time},
            {"top_score", e.top_score},
            {"false_positive", false},
            {"zones", e.zones},
            {"has_clip", e.has_clip},
            {"has_snapshot", e.has_snapshot}};
  if (include_thumbnail) j["thumbnail"] = e.thumbnail;
  return j;
}

}  // namespace

std::string event_json(const EventRecord& e, bool include_thumbnail) {
  return dump(event_object(e, include_thumbnail));
}

std::string events_json(const std::vector<EventRecord>& events, bool include_thumbnails) {
  json arr = json::array();
  for (const auto& e : events) arr.push_back(event_object(e, include_thumbnails));
  return dump(arr) + "\n";
}

std::string summary_json(const std::vector<EventSummaryGroup>& groups) {
  json arr = json::array();
  for (const auto& g : groups)
    arr.push_back({{"camera", g.camera}, {"label", g.label}, {"day", g.day}, {"zones", g.zones}, {"count", g.count}});
  return dump(arr) + "\n";
}

}  // namespace vigil
