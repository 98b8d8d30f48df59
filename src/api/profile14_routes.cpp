#include "api/profile14_routes.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <set>

#include "api/connections.h"
#include "api/params.h"
#include "api/profile14_json.h"
#include "api/time_zone.h"
#include "events/event_store.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "storage/recording_hours.h"
#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";

// A comma list (`name`, or its singular `alt`); empty for absent or "all".
std::set<std::string> list_param(const httplib::Request& req, const char* name, const char* alt) {
  std::string v = req.has_param(name) ? req.get_param_value(name) : req.has_param(alt) ? req.get_param_value(alt) : "";
  std::set<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    std::string item = v.substr(start, comma - start);
    if (!item.empty()) out.insert(item);
    start = comma + 1;
  }
  if (out.count("all")) out.clear();
  return out;
}

// ?timezone= (default utc): the offset of *now* (Frigate 0.14's get_tz_modifiers does
// the same). A name vigil cannot resolve is answered in UTC, logged.
int tz_offset(const httplib::Request& req) {
  const std::string name = req.has_param("timezone") ? req.get_param_value("timezone") : "utc";
  if (auto off = utc_offset(name, int64_t(std::time(nullptr)))) return *off;
  logger("vigil.http")
      ->warn("timezone {}: unknown (no TZif file in /usr/share/zoneinfo); using UTC", printable(name, 80));
  return 0;
}

// One item of 0.14's /api/events: a finished event, or one in progress (`open`: its
// end_time is null, as in Frigate 0.14, which writes the row when the event starts).
struct ListedEvent {
  EventRecord row;
  bool open = false;
};

// An event in progress as a row: has_clip/has_snapshot say what it will get from the
// camera's switches now (a clip is cut from the cache when it ends; 0.14 sets them at start).
EventRecord open_row(OpenEvent&& o, const SwitchesMap& switches) {
  EventRecord r;
  r.id = std::move(o.id);
  r.label = std::move(o.label);
  r.camera = std::move(o.camera);
  r.start_time = o.start_time;
  r.end_time = o.end_time.value_or(0);
  r.top_score = o.top_score;
  r.zones = std::move(o.zones);
  r.thumbnail = std::move(o.thumbnail);
  if (auto it = switches.find(r.camera); it != switches.end()) {
    r.has_clip = it->second->clips.load();
    r.has_snapshot = it->second->snapshots.load();
  }
  return r;
}

// The has_clip / has_snapshot filters of `q` (the database applies them to finished rows;
// this, to events in progress).
bool media_filters_match(const EventQuery& q, const EventRecord& e) {
  return (!q.has_clip || *q.has_clip == (e.has_clip ? 1 : 0)) &&
         (!q.has_snapshot || *q.has_snapshot == (e.has_snapshot ? 1 : 0));
}

// GET /api/events (ha-current.md §2.2 #5, §5.3): finished events and events in progress,
// newest first.
std::vector<ListedEvent> list_events(EventDb& db, const SwitchesMap& switches, const std::set<std::string>& retained,
                                     const httplib::Request& req, bool* thumbs) {
  EventQuery q;
  if (auto v = number_param(req, "before"); v && *v != 0) q.before = v;
  if (auto v = number_param(req, "after"); v && *v != 0) q.after = v;
  q.has_clip = int_param(req, "has_clip");
  q.has_snapshot = int_param(req, "has_snapshot");
  q.include_thumbnails = *thumbs = int_param(req, "include_thumbnails").value_or(1) != 0;
  const long long limit = int_param(req, "limit").value_or(100);
  const auto cameras = list_param(req, "cameras", "camera"), labels = list_param(req, "labels", "label"),
             zones = list_param(req, "zones", "zone"), sub_labels = list_param(req, "sub_labels", "sub_label");
  const bool favorites = int_param(req, "favorites").value_or(0) != 0;
  const auto min_score = number_param(req, "min_score"), max_score = number_param(req, "max_score");
  // One value goes to the database as 0.8's filter; several (and the filters 0.8 lacks)
  // are applied here to every row, then the limit.
  if (cameras.size() == 1) q.camera = *cameras.begin();
  if (labels.size() == 1) q.label = *labels.begin();
  if (zones.size() == 1) q.zone = *zones.begin();
  const bool filter_here = cameras.size() > 1 || labels.size() > 1 || zones.size() > 1 || !sub_labels.empty() ||
                           favorites || min_score || max_score;
  q.limit = filter_here ? -1 : limit;
  auto wanted = [&](const EventRecord& e, bool open) {
    if (open) {  // the database filtered the finished rows by these
      if (q.before && e.start_time > *q.before) return false;
      if (q.after && e.start_time < *q.after) return false;
      if (!media_filters_match(q, e)) return false;
    } else if (!filter_here) {
      return true;
    }
    if (!cameras.empty() && !cameras.count(e.camera)) return false;
    if (!labels.empty() && !labels.count(e.label)) return false;
    if (!zones.empty() && std::none_of(e.zones.begin(), e.zones.end(), [&](auto& z) { return zones.count(z); }))
      return false;
    if (!sub_labels.empty() && !sub_labels.count("None")) return false;  // vigil events have no sub label
    if (favorites && !retained.count(e.id)) return false;                // favourites: retained events
    if (min_score && e.top_score < *min_score) return false;
    if (max_score && e.top_score > *max_score) return false;
    return true;
  };
  std::vector<ListedEvent> out;
  for (OpenEvent& o : db.list_open(q.include_thumbnails)) {
    EventRecord r = open_row(std::move(o), switches);
    if (wanted(r, true)) out.push_back({std::move(r), true});
  }
  for (EventRecord& e : db.list(q))
    if (wanted(e, false)) out.push_back({std::move(e), false});
  // An event that finished between the two reads is listed twice: keep its finished row.
  std::stable_sort(out.begin(), out.end(), [](const ListedEvent& a, const ListedEvent& b) {
    return a.row.start_time != b.row.start_time ? a.row.start_time > b.row.start_time : a.row.id > b.row.id;
  });
  std::vector<ListedEvent> unique;
  for (ListedEvent& e : out) {
    if (!unique.empty() && unique.back().row.id == e.row.id) {
      if (unique.back().open) unique.back() = std::move(e);
      continue;
    }
    if (limit >= 0 && (long long)unique.size() >= limit) break;
    unique.push_back(std::move(e));
  }
  return unique;
}

}  // namespace

void add_recordings_routes(ConnectionServer& svr, const ApiSources& src) {
  const Config& cfg = *src.config;
  auto camera_known = [&cfg](const std::string& name, httplib::Response& res) {
    if (cfg.camera(name)) return true;
    res.status = 404;
    res.set_content(nlohmann::json({{"success", false}, {"message", "Camera " + name + " not found"}}).dump(), kJson);
    return false;
  };
  // Motion activity (Frigate 0.14's shape; the timeline's motion lane): buckets that
  // start after `after` and end before `before` (defaults: the last hour).
  svr.Get("/api/review/activity/motion", [&src, &cfg](const httplib::Request& req, httplib::Response& res) {
    const double now = double(std::time(nullptr));
    const double after = number_param(req, "after").value_or(now - 3600),
                 before = number_param(req, "before").value_or(now);
    const int scale = int(int_param(req, "scale", 1, 86400).value_or(30));
    // Only configured cameras go to the query (a long list of others matches nothing).
    const std::vector<std::string> asked = list_param(req, "cameras");
    std::vector<std::string> cameras;
    for (const std::string& c : asked)
      if (cfg.camera(c) && std::find(cameras.begin(), cameras.end(), c) == cameras.end()) cameras.push_back(c);
    std::vector<ActivityBucket> activity;
    if (src.events_db && (asked.empty() || !cameras.empty()))
      activity = src.events_db->list_activity(cameras, std::nextafter(after, std::numeric_limits<double>::infinity()),
                                              before - kActivityBucketSeconds);
    res.set_content(motion_activity14_json(activity, scale), kJson);
  });
  const RecordingRoots recordings = RecordingRoots::of(cfg);  // every tier
  svr.Get(R"(/api/([^/]+)/recordings/summary)", [&, recordings, camera_known](const httplib::Request& req,
                                                                              httplib::Response& res) {
    const std::string cam = req.matches[1];
    if (!camera_known(cam, res)) return;
    const int offset = tz_offset(req);
    constexpr double kAll = std::numeric_limits<double>::infinity();
    std::vector<double> starts;
    if (src.events_db) {
      EventQuery q;
      q.camera = cam;
      q.limit = -1;
      q.include_thumbnails = false;
      for (const EventRecord& e : src.events_db->list(q)) starts.push_back(e.start_time);
    }
    const std::vector<ActivityBucket> activity =
        src.events_db ? src.events_db->list_activity({cam}, -kAll, kAll) : std::vector<ActivityBucket>{};
    res.set_content(recordings_summary14_json(recording_files(recordings, cam, -kAll, kAll), starts, activity, offset),
                    kJson);
  });
  svr.Get(R"(/api/([^/]+)/recordings)", [&, recordings, camera_known](const httplib::Request& req,
                                                                      httplib::Response& res) {
    const std::string cam = req.matches[1];
    if (!camera_known(cam, res)) return;
    const double now = double(std::time(nullptr));
    const double after = number_param(req, "after").value_or(now - 3600),
                 before = number_param(req, "before").value_or(now);
    std::vector<RecordingFile> files = recording_files(recordings, cam, after, before);
    std::vector<ActivityBucket> activity;
    if (src.events_db && !files.empty())
      activity = src.events_db->list_activity({cam}, files.front().start, files.back().start + files.back().duration);
    res.set_content(recordings14_json(cam, files, activity), kJson);
  });
}

void add_profile14_routes(ConnectionServer& svr, const ApiSources& src, Profile14State& state) {
  const Config& cfg = *src.config;
  svr.Get("/api/version",
          [](const httplib::Request&, httplib::Response& res) { res.set_content(profile14_version(), kText); });
  svr.Get("/api/config", [&src, &cfg](const httplib::Request&, httplib::Response& res) {
    res.set_content(config14_json(src.config_json(), cfg, src.switches), kJson);
  });
  svr.Get("/api/stats", [&src, &cfg, &state](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats14_json(src.stats_json(), cfg, state.cpu), kJson);
  });
  if (!src.events_db) return;
  EventDb& db = *src.events_db;
  svr.Get("/api/events", [&db, &src](const httplib::Request& req, httplib::Response& res) {
    bool thumbs = true;
    nlohmann::json arr = nlohmann::json::array();
    const std::set<std::string> retained = db.retained_ids();
    for (const ListedEvent& e : list_events(db, src.switches, retained, req, &thumbs)) {
      arr.push_back(event14(e.row, thumbs, false));
      arr.back()["retain_indefinitely"] = retained.count(e.row.id) > 0;
      // Still open until its clip is cut and its row written (as /api/events/<id> says).
      if (e.open) arr.back()["end_time"] = nullptr;
    }
    res.set_content(arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", kJson);
  });
  svr.Get("/api/events/summary", [&db, &src](const httplib::Request& req, httplib::Response& res) {
    EventQuery q;
    q.has_clip = int_param(req, "has_clip");
    q.has_snapshot = int_param(req, "has_snapshot");
    q.limit = -1;
    q.include_thumbnails = false;
    const int offset = tz_offset(req);
    // Events in progress count too, as in Frigate 0.14 (and as /api/events lists them).
    std::vector<EventRecord> rows = db.list(q);
    std::set<std::string> ids;
    for (const EventRecord& e : rows) ids.insert(e.id);
    for (OpenEvent& o : db.list_open(false)) {
      EventRecord r = open_row(std::move(o), src.switches);
      if (ids.count(r.id) || !media_filters_match(q, r)) continue;
      rows.push_back(std::move(r));
    }
    res.set_content(summary14_json(rows, offset), kJson);
  });
  svr.Get(R"(/api/events/([^/]+))", [&db, &src](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    auto e = db.get(id);
    if (!e && src.events) {
      // In progress (as Frigate 0.14, which has the row from the start): end_time null.
      if (auto live = src.events->in_progress(id)) {
        const TrackedObject& o = live->first;
        EventRecord r;
        r.id = o.id;
        r.label = o.label;
        r.camera = live->second->name;
        r.start_time = o.start_time;
        r.top_score = o.top_score;
        r.zones = o.entered_zones;
        nlohmann::json j = event14(r, false, true);
        j["end_time"] = nullptr;
        j["retain_indefinitely"] = db.retained_ids().count(id) > 0;
        res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", kJson);
        return;
      }
    }
    if (!e) {
      res.status = 404;
      res.set_content(nlohmann::json({{"success", false}, {"message", "Event not found"}}).dump(), kJson);
      return;
    }
    nlohmann::json j = event14(*e, true, true);
    j["retain_indefinitely"] = db.retained_ids().count(id) > 0;
    res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", kJson);
  });
  // Favourites (§2.2 #12, the integration's `frigate.favorite_event` service; Frigate
  // 0.14's answers, §5.9): retention keeps a retained event's clip and snapshot.
  auto retain = [&db](bool on) {
    return [&db, on](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      if (!db.set_retained(id, on)) {
        res.status = 404;
        res.set_content(nlohmann::json({{"success", false}, {"message", "Event " + id + " not found"}})
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        kJson);
        return;
      }
      const std::string message = "Event " + id + (on ? " retained" : " un-retained");
      res.set_content(nlohmann::json({{"success", true}, {"message", message}})
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      kJson);
    };
  };
  svr.Post(R"(/api/events/([^/]+)/retain)", retain(true));
  svr.Delete(R"(/api/events/([^/]+)/retain)", retain(false));
}

}  // namespace vigil
