// The web UI's static serving (http-api.md §6) against the real binary: files with
// their types, cache headers for hashed assets, index.html for deep links, no path
// escapes, the API and media routes untouched, the ingress prefix.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

const std::string kIndex =
    "<!doctype html><html><head><link rel=\"icon\" href=\"/favicon.svg\"><script type=\"module\" "
    "src=\"/assets/index-AbC123xy.js\"></script></head><body><div id=\"app\"></div></body></html>\n";
const std::string kJs = "console.log('vigil');\n" + std::string(2000, ' ') + "//\n";
const std::string kSecret = "secret outside the web folder";

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

class Web : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = temp_dir();
    web_ = root_ + "/web";
    write_file(web_ + "/index.html", kIndex);
    write_file(web_ + "/assets/index-AbC123xy.js", kJs);
    write_file(web_ + "/favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    write_file(web_ + "/.hidden", "hidden");
    write_file(root_ + "/secret.txt", kSecret);
    fs::create_symlink(root_ + "/secret.txt", web_ + "/link-out.txt");
    setenv("VIGIL_WEB_DIR", web_.c_str(), 1);
    vigil_ = std::make_unique<Vigil>("cameras: {}\n");
    unsetenv("VIGIL_WEB_DIR");
    ASSERT_TRUE(vigil_->wait_ready()) << vigil_->log();
  }
  static void TearDownTestSuite() { vigil_.reset(); }

  static httplib::Result get(const std::string& path, const httplib::Headers& h = {}) {
    httplib::Client c("127.0.0.1", vigil_->port());
    c.set_url_encode(false);  // send paths exactly as written (escape attempts)
    c.set_read_timeout(5);
    return c.Get(path, h);
  }

  static std::unique_ptr<Vigil> vigil_;
  static std::string root_, web_;
};
std::unique_ptr<Vigil> Web::vigil_;
std::string Web::root_, Web::web_;

TEST_F(Web, IndexAtRoot) {
  auto r = get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kIndex);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
  EXPECT_FALSE(r->get_header_value("ETag").empty());
}

TEST_F(Web, DeepLinksGetTheApp) {
  for (const char* p : {"/events", "/events/1607123955.475377-mxklsc", "/cameras/front/editor", "/debug/",
                        "/no/such/page.html", "/apix", "/clipsx"}) {
    auto r = get(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 200) << p;
    EXPECT_EQ(r->body, kIndex) << p;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache") << p;
  }
}

TEST_F(Web, HashedAssetsCachedForAYear) {
  auto r = get("/assets/index-AbC123xy.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kJs);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto f = get("/favicon.svg");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->status, 200);
  EXPECT_EQ(f->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_EQ(f->get_header_value("Cache-Control"), "no-cache");  // no hash in the name
}

TEST_F(Web, MissingAssetIs404NotTheApp) {
  auto r = get("/assets/index-Old12345.js");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(Web, CompressedWhenAccepted) {
  auto r = get("/assets/index-AbC123xy.js", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(r->body, kJs);  // the client inflates it
  EXPECT_EQ(r->get_header_value("Vary"), "Accept-Encoding");
}

TEST_F(Web, ConditionalRequest) {
  auto r = get("/");
  ASSERT_TRUE(r);
  auto again = get("/", {{"If-None-Match", r->get_header_value("ETag")}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(Web, NoPathEscapes) {
  for (const char* p :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/assets/%2E%2E/%2E%2E/secret.txt",
        "//..//secret.txt", "/link-out.txt", "/.hidden", "/assets/.%2e/.hidden", "/%00index.html"}) {
    auto r = get(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->body.find("secret outside"), std::string::npos) << p;
    EXPECT_NE(r->body, "hidden") << p;
    EXPECT_TRUE(r->status == 404 || (r->status == 200 && r->body == kIndex)) << p << " " << r->status;
  }
}

TEST_F(Web, ApiAndMediaRoutesAreNotTheApp) {
  auto health = get("/api/");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "Frigate is running. Alive and healthy!");
  for (const char* p : {"/api/nope/more/parts", "/api/events/x/y/z", "/recordings/2021-03/x.mp4", "/clips/nope.mp4"}) {
    auto r = get(p);
    ASSERT_TRUE(r) << p;
    EXPECT_EQ(r->status, 404) << p;
    EXPECT_NE(r->body, kIndex) << p;
  }
  auto clips = get("/clips/");
  ASSERT_TRUE(clips);
  EXPECT_EQ(clips->status, 200);
  EXPECT_NE(clips->body, kIndex);
}

TEST_F(Web, HeadAnswersWithoutBody) {
  auto r = http_get(vigil_->port(), "/events", 5, "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
}

TEST_F(Web, IngressPrefix) {
  auto r = get("/events/abc", {{"X-Ingress-Path", "/api/hassio_ingress/Tok-3n_x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<head><script>window.baseUrl=\"/api/hassio_ingress/Tok-3n_x/\";</script>"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("src=\"/api/hassio_ingress/Tok-3n_x/assets/index-AbC123xy.js\""), std::string::npos);
  EXPECT_NE(r->body.find("href=\"/api/hassio_ingress/Tok-3n_x/favicon.svg\""), std::string::npos);
  EXPECT_TRUE(r->get_header_value("ETag").empty());  // the body depends on the header
  // Anything that is not a plain path is ignored (it is written into HTML and JS).
  auto bad = get("/", {{"X-Ingress-Path", "/x\"><script>alert(1)</script>"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->body, kIndex);
}

TEST(WebMissing, NotBuiltSays404WithAHint) {
  std::string dir = temp_dir();
  setenv("VIGIL_WEB_DIR", (dir + "/nothing").c_str(), 1);
  Vigil v("cameras: {}\n");
  unsetenv("VIGIL_WEB_DIR");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  auto r = http_get(v.port(), "/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("web UI is not built"), std::string::npos) << r.body;
  EXPECT_EQ(http_get(v.port(), "/api/").status, 200);
}

}  // namespace
}  // namespace vigil::test
