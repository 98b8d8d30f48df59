#include "storage/review_record.h"

#include <nlohmann/json.hpp>

namespace vigil {

const char* severity_name(ReviewSeverity s) { return s == ReviewSeverity::kAlert ? "alert" : "detection"; }

std::string review_data_text(const ReviewData& d) {
  nlohmann::json j;
  j["detections"] = d.detections;
  j["objects"] = d.objects;
  j["sub_labels"] = d.sub_labels;
  j["zones"] = d.zones;
  j["audio"] = d.audio;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ReviewData review_data_from_text(const std::string& text) {
  ReviewData d;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return d;
  auto list = [&](const char* key, std::vector<std::string>& out) {
    if (auto it = j.find(key); it != j.end() && it->is_array())
      for (const auto& v : *it)
        if (v.is_string()) out.push_back(v.get<std::string>());
  };
  list("detections", d.detections);
  list("objects", d.objects);
  list("sub_labels", d.sub_labels);
  list("zones", d.zones);
  list("audio", d.audio);
  return d;
}

}  // namespace vigil
