#include "api/export_routes.h"

#include <httplib.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/connections.h"
#include "api/params.h"
#include "config/config.h"
#include "storage/event_db.h"
#include "storage/export_maker.h"
#include "storage/media_layout.h"
#include "storage/recording_index.h"
#include "storage/recording_roots.h"

namespace vigil {
namespace {

using nlohmann::json;

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

void message(httplib::Response& res, int status, bool success, const std::string& text) {
  answer(res, status, {{"success", success}, {"message", text}});
}

json export_json(const ExportRecord& e, const ExportMaker& maker) {
  json j = {{"id", e.id},
            {"camera", e.camera},
            {"name", e.name},
            {"date", e.date},
            {"video_path", e.video_path},
            {"thumb_path", e.thumb_path},
            {"in_progress", e.in_progress},
            {"start_time", e.start_time},
            {"end_time", e.end_time},
            {"error", e.error.empty() ? json(nullptr) : json(e.error)}};
  if (e.in_progress) {
    // A row in progress that the maker does not know was left by a stop (start-up fails it).
    j["progress"] = maker.progress(e.id).value_or(0.0);
  } else {
    struct stat st {};
    j["size_bytes"] = e.error.empty() && ::stat(e.video_path.c_str(), &st) == 0 ? json(st.st_size) : json(nullptr);
  }
  return j;
}

bool parse_time(const std::string& s, double* out) { return parse_number(s, out) && std::isfinite(*out) && *out >= 0; }

}  // namespace

void add_export_routes(ConnectionServer& svr, const Config& cfg, EventDb& db, ExportMaker& exports) {
  svr.Get("/api/exports", [&db, &exports](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const ExportRecord& e : db.list_exports()) list.push_back(export_json(e, exports));
    answer(res, 200, list);
  });
  svr.Get(R"(/api/exports/([^/]+))", [&db, &exports](const httplib::Request& req, httplib::Response& res) {
    if (auto e = db.get_export(req.matches[1])) return answer(res, 200, export_json(*e, exports));
    message(res, 404, false, "Export not found.");
  });

  svr.Post(R"(/api/export/([^/]+)/start/([^/]+)/end/([^/]+))",
           [&cfg, &exports](const httplib::Request& req, httplib::Response& res) {
             const std::string camera = req.matches[1];
             if (!cfg.camera(camera)) return message(res, 404, false, camera + " is not a valid camera.");
             double start = 0, end = 0;
             if (!parse_time(req.matches[2], &start) || !parse_time(req.matches[3], &end))
               return message(res, 400, false, "start and end must be Unix times in seconds");
             if (end <= start) return message(res, 400, false, "end must be after start");
             if (end - start > ExportMaker::kMaxSeconds)
               return message(res, 400, false, "an export is at most 24 hours long");
             json body = json::object();
             if (!req.body.empty()) {
               body = json::parse(req.body, nullptr, false);
               if (!body.is_object()) return message(res, 400, false, "the body must be a JSON object");
             }
             const json playback = body.value("playback", json("realtime"));
             if (playback != "realtime")
               return message(res, 400, false,
                              "playback: only \"realtime\" (vigil exports by stream copy and does not re-encode)");
             const json name = body.value("name", json(""));
             if (!name.is_string() && !name.is_null()) return message(res, 400, false, "name must be a string");
             const std::string name_text = name.is_string() ? name.get<std::string>() : "";
             if (name_text.size() > ExportMaker::kMaxName) return message(res, 400, false, "File name is too long.");
             // A recording that can overlap the range starts at most kMaxRecordingSeconds before it.
             if (recordings_between(RecordingRoots::of(cfg), camera, start - kMaxRecordingSeconds, end).empty())
               return message(res, 400, false, "No recordings found for time range");
             const ExportMaker::Submitted s = exports.submit(camera, start, end, name_text);
             if (s.id.empty()) {
               res.set_header("Retry-After", "30");
               return message(res, 503, false, s.error);
             }
             answer(res, 200, {{"success", true}, {"message", "Starting export of recording."}, {"export_id", s.id}});
           });
  svr.Patch(R"(/api/export/([^/]+)/([^/]+))", [&db, &exports](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[2];
    if (name.size() > ExportMaker::kMaxName) return message(res, 400, false, "File name is too long.");
    if (!db.rename_export(req.matches[1], name)) return message(res, 404, false, "Export not found.");
    message(res, 200, true, "Successfully renamed export.");
  });
  svr.Delete(R"(/api/export/([^/]+))", [&db, &exports](const httplib::Request& req, httplib::Response& res) {
    const std::optional<ExportRecord> e = db.get_export(req.matches[1]);
    if (!e) return message(res, 404, false, "Export not found.");
    if (exports.progress(e->id)) return message(res, 400, false, "Can not delete in progress export.");
    std::error_code ec;
    std::filesystem::remove(e->video_path, ec);
    if (ec) return message(res, 500, false, "cannot delete " + e->video_path + ": " + ec.message());
    db.delete_export(e->id);
    message(res, 200, true, "Successfully deleted export.");
  });
}

}  // namespace vigil
