#include "review/review_segment.h"

#include <cstdio>
#include <random>

namespace vigil {

std::string review_segment_id(double start_time) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<int> pick(0, 35);
  char head[48];
  std::snprintf(head, sizeof head, "%.6f-", start_time);
  std::string id = head;
  for (int i = 0; i < 6; ++i) id += kChars[pick(rng)];
  return id;
}

std::string review_thumb_name(const std::string& camera, const std::string& id) {
  return "thumb-" + camera + "-" + id + ".webp";
}

nlohmann::json review_json(const ReviewSegment& s) {
  nlohmann::json data = nlohmann::json::parse(review_data_text(s.data));
  return {{"id", s.id},
          {"camera", s.camera},
          {"start_time", s.start_time},
          {"end_time", s.end_time ? nlohmann::json(*s.end_time) : nlohmann::json(nullptr)},
          {"has_been_reviewed", s.has_been_reviewed},
          {"severity", severity_name(s.severity)},
          {"thumb_path", s.thumb_path},
          {"data", data}};
}

}  // namespace vigil
