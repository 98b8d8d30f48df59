#include "api/review_routes.h"

#include <httplib.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "api/connections.h"
#include "api/params.h"
#include "review/review_segment.h"
#include "storage/event_db.h"

namespace vigil {
namespace {

constexpr const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

void fail(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"success", false}, {"message", message}});
}

// §5.8 with 0.17's semantics: `reviewed` absent = all, 0 = unreviewed, 1 = reviewed
// only; overlap window; defaults before = now, after = now − 24 h.
ReviewQuery parse_query(const httplib::Request& req, double now) {
  ReviewQuery q;
  q.before = number_param(req, "before").value_or(now);
  q.after = number_param(req, "after").value_or(now - 24 * 3600);
  q.cameras = list_param(req, "cameras");
  q.labels = list_param(req, "labels");
  q.zones = list_param(req, "zones");
  if (auto r = int_param(req, "reviewed", 0, 1)) q.reviewed = *r == 1;
  if (req.has_param("severity")) {
    const std::string s = req.get_param_value("severity");
    if (s == "alert")
      q.severity = ReviewSeverity::kAlert;
    else if (s == "detection")
      q.severity = ReviewSeverity::kDetection;
    else
      throw BadParam("severity: must be alert or detection");
  }
  if (auto l = int_param(req, "limit", 0, std::numeric_limits<int>::max())) q.limit = *l;
  return q;
}

}  // namespace

std::optional<ReviewSpan> review_span(EventDb& db, const std::string& id, double now) {
  std::optional<ReviewSegment> r = db.get_review(id);
  if (!r) return std::nullopt;
  return ReviewSpan{r->camera, r->start_time, r->end_time.value_or(now)};
}

void add_review_routes(ConnectionServer& svr, EventDb& db, const Clock& clock) {
  svr.Get("/api/review", [&db, &clock](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json out = nlohmann::json::array();
    for (const ReviewSegment& r : db.list_reviews(parse_query(req, clock.wall()))) out.push_back(review_json(r));
    send_json(res, 200, out);
  });
  svr.Get(R"(/api/review/([^/]+))", [&db](const httplib::Request& req, httplib::Response& res) {
    std::optional<ReviewSegment> r = db.get_review(req.matches[1]);
    if (!r) return fail(res, 404, "Review item not found");
    send_json(res, 200, review_json(*r));
  });
  // Body {"ids": [...], "reviewed": bool} (0.17; `reviewed` defaults to true).
  svr.Post("/api/reviews/viewed", [&db](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object()) return fail(res, 400, "body must be a JSON object");
    std::vector<std::string> ids;
    if (auto it = body.find("ids"); it != body.end()) {
      if (!it->is_array()) return fail(res, 400, "ids: must be a list of strings");
      for (const auto& v : *it) {
        if (!v.is_string()) return fail(res, 400, "ids: must be a list of strings");
        ids.push_back(v.get<std::string>());
      }
    }
    bool reviewed = true;
    if (auto it = body.find("reviewed"); it != body.end()) {
      if (!it->is_boolean()) return fail(res, 400, "reviewed: must be true or false");
      reviewed = it->get<bool>();
    }
    if (ids.empty()) return fail(res, 404, "Not a valid list of ids");  // 0.14's answer (§5.8)
    db.set_reviewed(ids, reviewed);                                     // unknown ids are ignored, as Frigate does
    send_json(res, 200, {{"success", true}, {"message", "Marked multiple items as reviewed"}});
  });
  svr.Delete(R"(/api/review/([^/]+)/viewed)", [&db](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (db.set_reviewed({id}, false) == 0) return fail(res, 404, "Review " + id + " not found");
    send_json(res, 200, {{"success", true}, {"message", "Set Review " + id + " as not viewed"}});
  });
}

}  // namespace vigil
