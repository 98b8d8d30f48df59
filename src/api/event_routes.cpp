#include "api/event_routes.h"

#include <httplib.h>

#include <fstream>
#include <sstream>

#include "api/connections.h"
#include "api/event_json.h"
#include "api/params.h"
#include "events/event_store.h"
#include "render/render.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "util/base64.h"

namespace vigil {
namespace {

constexpr const char* kText = "text/plain; charset=utf-8";

void not_found(httplib::Response& res, const char* text) {
  res.status = 404;
  res.set_content(text, kText);
}

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : "";
}

EventQuery parse_query(const httplib::Request& req) {
  EventQuery q;
  // before=0 / after=0 behave as unset (0.8).
  if (auto v = number_param(req, "before"); v && *v != 0) q.before = v;
  if (auto v = number_param(req, "after"); v && *v != 0) q.after = v;
  q.camera = param(req, "camera");
  q.label = param(req, "label");
  q.zone = param(req, "zone");
  q.has_clip = int_param(req, "has_clip");
  q.has_snapshot = int_param(req, "has_snapshot");
  q.limit = int_param(req, "limit").value_or(100);
  q.include_thumbnails = int_param(req, "include_thumbnails").value_or(1) != 0;
  return q;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

void add_event_routes(ConnectionServer& svr, const Config& cfg, EventDb& db, EventStore& store) {
  svr.Get("/api/events", [&db](const httplib::Request& req, httplib::Response& res) {
    EventQuery q = parse_query(req);
    res.set_content(events_json(db.list(q), q.include_thumbnails), "application/json");
  });
  svr.Get("/api/events/summary", [&db](const httplib::Request& req, httplib::Response& res) {
    res.set_content(summary_json(db.summary(int_param(req, "has_clip"), int_param(req, "has_snapshot"))),
                    "application/json");
  });
  svr.Get(R"(/api/events/([^/]+)/thumbnail\.jpg)", [&db, &store](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    std::string jpeg;
    if (auto e = db.get(id)) {
      auto bytes = base64_decode(e->thumbnail);
      if (!bytes) return not_found(res, "Event not found");
      jpeg = std::move(*bytes);
    } else if (auto live = store.in_progress(id)) {
      jpeg = render_thumbnail(live->first.best, *live->second);
    } else {
      return not_found(res, "Event not found");
    }
    if (param(req, "format") == "android") jpeg = pad_android(jpeg);
    res.set_content(jpeg, "image/jpeg");
  });
  svr.Get(R"(/api/events/([^/]+)/snapshot\.jpg)",
          [&cfg, &db, &store](const httplib::Request& req, httplib::Response& res) {
            const std::string id = req.matches[1];
            auto h = int_param(req, "h", 1, 4096);
            bool bbox = flag_param(req, "bbox"), ts = flag_param(req, "timestamp"), crop = flag_param(req, "crop");
            if (auto live = store.in_progress(id)) {  // in progress, or ending and not written yet
              const TrackedObject& o = live->first;
              if (!o.best || !o.best->frame) return not_found(res, "Snapshot not available");
              res.set_content(render_snapshot(*o.best, o.label, *live->second, ts, bbox, crop, int(h.value_or(0))),
                              "image/jpeg");
              return;
            }
            auto e = db.get(id);
            if (!e) return not_found(res, "Event not found");
            if (!e->has_snapshot) return not_found(res, "Snapshot not available");
            std::string jpeg;
            if (!read_file(MediaLayout(cfg.media_dir).snapshot(e->camera, e->id), &jpeg))
              return not_found(res, "Event not found");
            res.set_content(jpeg, "image/jpeg");
          });
  svr.Get(R"(/api/events/([^/]+))", [&db](const httplib::Request& req, httplib::Response& res) {
    auto e = db.get(req.matches[1]);
    if (!e) return not_found(res, "Event not found");
    res.set_content(event_json(*e, true) + "\n", "application/json");
  });
}

}  // namespace vigil
