// A review segment as stored (ha-current.md §7.1, Frigate 0.14's `reviewsegment` row) and
// the filters of GET /api/review (§5.8, 0.17 semantics). Plain data: the maintainer that
// makes segments is review/, the JSON documents are review/review_segment.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigil {

enum class ReviewSeverity { kAlert, kDetection };
const char* severity_name(ReviewSeverity s);  // "alert" / "detection"

struct ReviewData {
  std::vector<std::string> detections;  // event (tracked object) ids, first seen first
  std::vector<std::string> objects;     // labels, unique, first seen first
  std::vector<std::string> sub_labels;  // always empty (vigil has no sub labels)
  std::vector<std::string> zones;       // in order first entered
  std::vector<std::string> audio;       // always empty (vigil has no audio detection)
};

struct ReviewSegment {
  std::string id;  // "<start_time %.6f>-<6 random [a-z0-9]>"
  std::string camera;
  double start_time = 0;
  std::optional<double> end_time;  // null while active
  bool has_been_reviewed = false;
  ReviewSeverity severity = ReviewSeverity::kDetection;
  std::string thumb_path;  // <media_dir>/clips/review/thumb-<camera>-<id>.webp
  ReviewData data;
};

// `data` as JSON text (compact, keys sorted) and back (lenient: what is missing is empty).
std::string review_data_text(const ReviewData& d);
ReviewData review_data_from_text(const std::string& text);

// GET /api/review (0.17): the HTTP layer parses and validates.
struct ReviewQuery {
  double before = 0, after = 0;                     // overlap: start < before AND (end NULL OR end > after)
  std::vector<std::string> cameras, labels, zones;  // empty = all; labels match data.objects or data.audio
  std::optional<bool> reviewed;                     // nullopt = all
  std::optional<ReviewSeverity> severity;           // nullopt = both
  long long limit = -1;                             // negative = no limit
};

}  // namespace vigil
