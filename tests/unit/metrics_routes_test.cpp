// The `route` label of vigil_http_requests_total (api/metrics_routes.h): patterns, not paths.
#include "api/metrics_routes.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>

namespace vigil {
namespace {

// The label for `path` answered by the route `pattern` (empty: answered before routing).
std::string label(const std::string& pattern, const std::string& path, int status = 200,
                  const std::string& method = "GET") {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!pattern.empty()) {
    EXPECT_TRUE(std::regex_match(req.path, req.matches, std::regex(pattern))) << path;
  }
  return http_route_label(req, status);
}

TEST(HttpRouteLabel, CapturedPartsBecomeStars) {
  EXPECT_EQ(label("/api/metrics", "/api/metrics"), "/api/metrics");
  EXPECT_EQ(label(R"(/api/([^/]+)/latest\.jpg)", "/api/front/latest.jpg"), "/api/*/latest.jpg");
  EXPECT_EQ(label(R"(/api/([^/]+)/([^/]+)/best\.jpg)", "/api/front/person/best.jpg"), "/api/*/*/best.jpg");
  EXPECT_EQ(label(R"(/api/events/([^/]+))", "/api/events/1607123955.475377-mxklsc"), "/api/events/*");
  EXPECT_EQ(label(R"(/api/([^/]+))", "/api/nosuchcamera", 404), "/api/*");
}

TEST(HttpRouteLabel, MediaAndWebUiByPrefixCatchAllsAsUnmatched) {
  EXPECT_EQ(label("/clips(/.*)?", "/clips/front-1.jpg"), "/clips/*");
  EXPECT_EQ(label(R"(/vod/(.+/[^/]+))", "/vod/front/start/1/end/2/index.m3u8"), "/vod/*");
  EXPECT_EQ(label(R"(/.*)", "/events/abc"), "/*");
  EXPECT_EQ(label(R"(/api/.*)", "/api/x/y/z", 404), "unmatched");
  EXPECT_EQ(label(R"(.*)", "/api/stats", 405, "POST"), "unmatched");
  EXPECT_EQ(label("", "/anything/at/all", 400), "unmatched");  // refused before routing
  EXPECT_EQ(label(R"(.*)", "/api/stats/whatever", 204, "OPTIONS"), "*");
}

}  // namespace
}  // namespace vigil
