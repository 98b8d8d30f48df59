// Review segments' ids, thumbnail names and JSON (ha-current.md §7.1, §7.3, §5.8): the
// shape `<p>/reviews` and /api/review share. The row itself is storage/review_record.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "storage/review_record.h"

namespace vigil {

// A fresh segment id for a segment starting at `start_time`: "%.6f-<6 random [a-z0-9]>".
std::string review_segment_id(double start_time);
// `thumb-<camera>-<id>.webp`, the thumbnail's name below `<media_dir>/clips/review/`.
std::string review_thumb_name(const std::string& camera, const std::string& id);

// {"id","camera","start_time","end_time" (null while open),"has_been_reviewed","severity",
//  "thumb_path","data":{"detections","objects","sub_labels","zones","audio"}}
nlohmann::json review_json(const ReviewSegment& s);

}  // namespace vigil
