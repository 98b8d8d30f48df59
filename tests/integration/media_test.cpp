// /clips/… and /recordings/… (http-api.md §5, CORS from §1.3) against the real binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "harness.h"

namespace vigil::test {
namespace {

namespace fs = std::filesystem;

constexpr time_t kT0 = 1614765604;  // Wed, 03 Mar 2021 10:00:04 GMT
constexpr const char* kT0Text = "Wed, 03 Mar 2021 10:00:04 GMT";
constexpr const char* kRec = "/recordings/2021-03/04/15/garden/07.00.mp4";

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

// Sets mtime (and atime) without following a final symlink.
void set_mtime(const fs::path& p, time_t t) {
  timespec ts[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << p;
}

// 1000 bytes, each distinct enough to spot an offset error.
std::string pattern(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += char('A' + (i * 7) % 53);
  return s;
}

class Media : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vigil_ = std::make_unique<Vigil>("cameras: {}\n");
    ASSERT_TRUE(vigil_->wait_ready()) << vigil_->log();
    media_ = vigil_->dir() + "/media";
    write_file(media_ + kRec, pattern(1000));
    set_mtime(media_ + kRec, kT0);
  }
  static void TearDownTestSuite() { vigil_.reset(); }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", vigil_->port());
    c.set_url_encode(false);  // send paths exactly as written (escape attempts)
    c.set_read_timeout(5);
    return c;
  }
  static httplib::Result get(const std::string& path, const httplib::Headers& h = {}) { return client().Get(path, h); }
  static int status(const std::string& path) {
    auto r = get(path);
    return r ? r->status : 0;
  }

  static std::unique_ptr<Vigil> vigil_;
  static std::string media_;
};
std::unique_ptr<Vigil> Media::vigil_;
std::string Media::media_;

TEST_F(Media, WholeFileHeaders) {
  auto r = get(kRec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, pattern(1000));
  EXPECT_EQ(r->get_header_value("Content-Type"), "video/mp4");
  EXPECT_EQ(r->get_header_value("Content-Length"), "1000");
  EXPECT_EQ(r->get_header_value("ETag"), "\"603f5e24-3e8\"");
  EXPECT_EQ(r->get_header_value("Last-Modified"), kT0Text);
  EXPECT_EQ(r->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
  // CORS as on /api, with or without Origin (no credentials: see CorsAnyOriginNoCredentials).
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials"));
}

TEST_F(Media, ContentTypes) {
  write_file(media_ + "/clips/cam-1.jpg", "jpg");
  write_file(media_ + "/clips/cam-1.png", "png");
  write_file(media_ + "/clips/cam-1.txt", "txt");
  auto jpg = get("/clips/cam-1.jpg"), png = get("/clips/cam-1.png"), txt = get("/clips/cam-1.txt");
  ASSERT_TRUE(jpg && png && txt);
  EXPECT_EQ(jpg->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(png->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(txt->status, 404);  // not a kind of file vigil writes there
  write_file(media_ + "/clips/cam-empty.mp4", "");
  auto empty = get("/clips/cam-empty.mp4");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(empty->get_header_value("Content-Length"), "0");
}

TEST_F(Media, SingleRanges) {
  struct Case {
    const char* range;
    size_t first, last;
  } cases[] = {{"bytes=10-19", 10, 19}, {"bytes=-5", 995, 999},       {"bytes=100-", 100, 999},
               {"bytes=0-0", 0, 0},     {"bytes=990-5000", 990, 999}, {"bytes=-5000", 0, 999}};
  const std::string all = pattern(1000);
  for (const auto& c : cases) {
    auto r = get(kRec, {{"Range", c.range}});
    ASSERT_TRUE(r) << c.range;
    EXPECT_EQ(r->status, 206) << c.range;
    EXPECT_EQ(r->body, all.substr(c.first, c.last - c.first + 1)) << c.range;
    EXPECT_EQ(r->get_header_value("Content-Range"),
              "bytes " + std::to_string(c.first) + "-" + std::to_string(c.last) + "/1000")
        << c.range;
    EXPECT_EQ(r->get_header_value("Content-Length"), std::to_string(c.last - c.first + 1)) << c.range;
    EXPECT_EQ(r->get_header_value("Content-Type"), "video/mp4") << c.range;
  }
}

TEST_F(Media, UnsatisfiableAndMultiRange) {
  for (const char* range : {"bytes=1000-", "bytes=5000-6000", "bytes=-0"}) {
    auto r = get(kRec, {{"Range", range}});
    ASSERT_TRUE(r) << range;
    EXPECT_EQ(r->status, 416) << range;
    EXPECT_EQ(r->get_header_value("Content-Range"), "bytes */1000") << range;
  }
  auto multi = get(kRec, {{"Range", "bytes=0-1,5-6"}});
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->status, 200);
  EXPECT_EQ(multi->body, pattern(1000));
  EXPECT_EQ(multi->get_header_value("Content-Type"), "video/mp4");
  EXPECT_FALSE(multi->has_header("Content-Range"));
  // A Range on a missing file is still a 404, a Range on a listing is ignored.
  auto missing = get("/clips/none.mp4", {{"Range", "bytes=0-1"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto listing = get("/recordings/", {{"Range", "bytes=0-1"}});
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->status, 200);
  EXPECT_GT(listing->body.size(), 2u);
}

TEST_F(Media, ConditionalRequests) {
  const std::string etag = "\"603f5e24-3e8\"";
  auto inm = get(kRec, {{"If-None-Match", etag}});
  ASSERT_TRUE(inm);
  EXPECT_EQ(inm->status, 304);
  EXPECT_TRUE(inm->body.empty());
  EXPECT_EQ(inm->get_header_value("ETag"), etag);
  auto other = get(kRec, {{"If-None-Match", "\"other\""}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  auto ims = get(kRec, {{"If-Modified-Since", kT0Text}});
  ASSERT_TRUE(ims);
  EXPECT_EQ(ims->status, 304);
  auto older = get(kRec, {{"If-Modified-Since", "Wed, 03 Mar 2021 10:00:03 GMT"}});
  ASSERT_TRUE(older);
  EXPECT_EQ(older->status, 200);

  auto fresh = get(kRec, {{"Range", "bytes=10-19"}, {"If-Range", etag}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->status, 206);
  auto fresh_date = get(kRec, {{"Range", "bytes=10-19"}, {"If-Range", kT0Text}});
  ASSERT_TRUE(fresh_date);
  EXPECT_EQ(fresh_date->status, 206);
  auto stale = get(kRec, {{"Range", "bytes=10-19"}, {"If-Range", "\"603f5e24-3e7\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body.size(), 1000u);
}

TEST_F(Media, Head) {
  auto r = http_get(vigil_->port(), kRec, 5, "HEAD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "1000");
  EXPECT_EQ(r.header("ETag"), "\"603f5e24-3e8\"");
  EXPECT_TRUE(r.body.empty());
  auto part = client().Head(kRec, {{"Range", "bytes=10-19"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->get_header_value("Content-Length"), "10");
  EXPECT_TRUE(part->body.empty());
  auto missing = client().Head("/clips/none.mp4");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(Media, DatabaseAndDotFilesRefused) {
  for (const char* name : {"frigate.db", "x.db", "x.db-wal", "x.db-shm", "x.db-journal", ".tmp.mp4", ".hidden"})
    write_file(media_ + "/clips/" + name, "secret");
  write_file(media_ + "/recordings/.part/a.mp4", "secret");
  fs::create_symlink(media_ + "/clips/frigate.db", media_ + "/clips/db-link.mp4");
  fs::create_symlink(media_ + "/clips/cam-x.mp4", media_ + "/clips/link.db");
  write_file(media_ + "/clips/cam-x.mp4", "fine");
  for (const char* path : {"/clips/frigate.db", "/clips/x.db", "/clips/x.db-wal", "/clips/x.db-shm",
                           "/clips/x.db-journal", "/clips/.tmp.mp4", "/clips/.hidden", "/clips/%2ehidden",
                           "/recordings/.part/a.mp4", "/recordings/.part/", "/clips/db-link.mp4", "/clips/link.db"})
    EXPECT_EQ(status(path), 404) << path;
  EXPECT_EQ(status("/clips/cam-x.mp4"), 200);
}

TEST_F(Media, PathEscapesRefused) {
  // config.yml sits next to media/; nothing outside the folder is ever served.
  write_file(media_ + "/clips/cam-inside.jpg", "in");
  fs::create_symlink(vigil_->dir() + "/config.yml", media_ + "/clips/cam-evil.jpg");
  fs::create_symlink(vigil_->dir(), media_ + "/clips/evildir");
  fs::create_symlink(media_ + "/clips/cam-inside.jpg", media_ + "/clips/cam-alias.jpg");
  for (const char* path :
       {"/clips/../config.yml", "/clips/../../etc/passwd", "/clips/%2e%2e/config.yml", "/clips/%2E%2E/config.yml",
        "/clips/..%2Fconfig.yml", "/clips/%2e%2e%2fconfig.yml", "/recordings/..%2f..%2fconfig.yml",
        "/recordings/%2e%2e/clips/cam-inside.jpg", "/clips/./cam-inside.jpg", "/clips/cam-inside.jpg%00.mp4",
        "/clips/cam-evil.jpg", "/clips/evildir/config.yml", "/clips/evildir/", "/clips/cam-inside.jpg/",
        "/clips/cam-alias.jpg"})  // no symbolic link is followed, even one that stays inside
    EXPECT_EQ(status(path), 404) << path;
  EXPECT_EQ(status("/clips/cam-inside.jpg"), 200);
  EXPECT_EQ(status("/clips//cam-inside.jpg"), 200);   // repeated slashes collapse
  EXPECT_EQ(status("/clips/cam-%69nside.jpg"), 200);  // percent-decoded
  // Not the clips folder: "/clipsx/…" is an ordinary path, the web UI's (http-api.md §6).
  auto x = get("/clipsx/cam-inside.jpg");
  ASSERT_TRUE(x);
  EXPECT_NE(x->body, "in");
}

TEST_F(Media, RecordingsJsonListing) {
  // Only the YYYY-MM/DD/HH/<camera>/MM.SS.mp4 tree is listed; other names, dot-files,
  // database files and links are left out (they are not served either).
  const std::string root = media_ + "/recordings";
  write_file(root + "/2020-12/31/23/garden/59.00.mp4", "x");
  write_file(root + "/Zdir/x.mp4", "x");
  write_file(root + "/notes.txt", std::string(1234, 'n'));
  write_file(root + "/.tmp.mp4", "hidden");
  write_file(root + "/r.db", "hidden");
  fs::create_symlink(vigil_->dir() + "/config.yml", root + "/outside.txt");
  fs::create_symlink(root + "/2020-12", root + "/2021-01");
  for (const char* name : {"2021-03", "2020-12"}) set_mtime(root + "/" + name, kT0);
  const std::string expected =
      "[\r\n"
      "{ \"name\":\"2020-12\", \"type\":\"directory\", \"mtime\":\"Wed, 03 Mar 2021 10:00:04 GMT\" },\r\n"
      "{ \"name\":\"2021-03\", \"type\":\"directory\", \"mtime\":\"Wed, 03 Mar 2021 10:00:04 GMT\" }\r\n"
      "]";
  for (const char* path : {"/recordings/", "/recordings//"}) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    EXPECT_EQ(r->body, expected) << path;
  }
  // Camera level: the segments, byte order, with sizes; a segment being written is not.
  const std::string cam = root + "/2021-03/04/15/garden";
  write_file(cam + "/06.59.mp4", "abc");
  write_file(cam + "/.07.01.mp4.part", "partial");
  write_file(cam + "/notes.txt", "n");
  set_mtime(cam + "/06.59.mp4", kT0);
  auto camera = get("/recordings/2021-03/04/15/garden/");
  ASSERT_TRUE(camera);
  EXPECT_EQ(camera->body, "[\r\n{ \"name\":\"06.59.mp4\", \"type\":\"file\", \"mtime\":\"" + std::string(kT0Text) +
                              "\", \"size\":3 },\r\n{ \"name\":\"07.00.mp4\", \"type\":\"file\", \"mtime\":\"" +
                              std::string(kT0Text) + "\", \"size\":1000 }\r\n]");
  fs::create_directories(root + "/2021-02");
  auto empty = get("/recordings/2021-02/");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->body, "[\r\n]");
}

TEST_F(Media, DirectoryRedirects) {
  struct Case {
    const char* path;
    const char* location;
  } cases[] = {{"/recordings/2021-03", "/recordings/2021-03/"},
               {"/recordings//2021-03//04", "/recordings/2021-03/04/"},
               {"/recordings", "/recordings/"},
               {"/clips", "/clips/"}};
  for (const auto& c : cases) {
    auto r = get(c.path);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, 301) << c.path;
    EXPECT_EQ(r->get_header_value("Location"), c.location) << c.path;
  }
}

TEST_F(Media, ClipsHtmlListing) {
  const std::string clips = media_ + "/clips";
  write_file(clips + "/old-1.jpg", "o");
  write_file(clips + "/new-2.mp4", "n");
  write_file(clips + "/.in-progress.mp4", "x");
  write_file(clips + "/a.db-wal", "x");
  set_mtime(clips + "/old-1.jpg", kT0);
  set_mtime(clips + "/new-2.mp4", kT0 + 60);
  auto r = get("/clips/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  size_t n = r->body.find("href=\"new-2.mp4\""), o = r->body.find("href=\"old-1.jpg\"");
  ASSERT_NE(n, std::string::npos) << r->body;
  ASSERT_NE(o, std::string::npos) << r->body;
  EXPECT_LT(n, o) << "newest first";
  EXPECT_EQ(r->body.find("in-progress"), std::string::npos);
  EXPECT_EQ(r->body.find(".db"), std::string::npos);
}

// CORS as Frigate 0.8's API (http-api.md §1.3, issue #19): any origin may read, never
// an echoed Origin, never credentials (which would let any site read the media with
// the user's cookies once a login exists).
TEST_F(Media, CorsAnyOriginNoCredentials) {
  for (const std::string& path :
       {std::string(kRec), std::string("/clips/none.mp4"), std::string("/recordings/"), std::string("/clips/")}) {
    for (const httplib::Headers& h : {httplib::Headers{{"Origin", "http://evil.example"}}, httplib::Headers{}}) {
      auto r = get(path, h);
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*") << path;
      EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials")) << path;
      EXPECT_EQ(r->get_header_value("Access-Control-Expose-Headers"), "Content-Length, Content-Range, Accept-Ranges")
          << path;
      EXPECT_FALSE(r->has_header("Cache-Control") && r->get_header_value("Cache-Control") == "no-store") << path;
    }
  }
  auto ranged = get(kRec, {{"Origin", "http://x"}, {"Range", "bytes=0-3"}});
  ASSERT_TRUE(ranged);
  EXPECT_EQ(ranged->status, 206);
  EXPECT_EQ(ranged->get_header_value("Access-Control-Allow-Origin"), "*");
  // The API: the same rule.
  auto api = get("/api/stats", {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(api->has_header("Access-Control-Allow-Credentials"));
}

TEST_F(Media, OptionsPreflight) {
  for (const char* path : {"/clips/x.mp4", "/recordings/2021-03/"}) {
    auto r = client().Options(path, {{"Origin", "http://ha.local:8123"}});
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 204) << path;
    EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*") << path;
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials")) << path;
    EXPECT_EQ(r->get_header_value("Access-Control-Max-Age"), "1728000") << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain charset=UTF-8") << path;
    EXPECT_EQ(r->get_header_value("Content-Length"), "0") << path;
    EXPECT_TRUE(r->body.empty()) << path;
  }
  auto api = client().Options("/api/events", {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(api);
  EXPECT_EQ(api->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(api->has_header("Access-Control-Allow-Credentials"));
}

}  // namespace
}  // namespace vigil::test
