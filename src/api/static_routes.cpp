#include "api/static_routes.h"

#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "api/connections.h"
#include "api/html_escape.h"

#ifndef VIGIL_WEB_DIR
#define VIGIL_WEB_DIR "web/dist"
#endif

namespace vigil {
namespace {

namespace fs = std::filesystem;

constexpr const char* kText = "text/plain; charset=utf-8";
constexpr uintmax_t kMaxFile = 32u << 20;  // the UI's files are small; refuse anything odd

void not_found(httplib::Response& res, const std::string& body = "Not Found") {
  res.status = 404;
  res.set_content(body, kText);
}

std::string collapse_slashes(const std::string& path) {
  std::string out;
  for (char c : path)
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  return out;
}

// No NUL, no segment starting with '.' (covers "." and ".." and dot-files).
bool safe_path(const std::string& p) {
  if (p.find('\0') != std::string::npos) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] == '/' && i + 1 < p.size() && p[i + 1] == '.') return false;
  return true;
}

bool inside(const fs::path& p, const fs::path& root) {
  auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  return r == root.end();
}

// Paths that belong to the API and media routes: never the app, even if one of those
// routes did not match (http-api.md §6 serves the app for "anything else").
bool reserved(const std::string& p) {
  for (const char* prefix : {"/api", "/clips", "/recordings"}) {
    size_t n = std::char_traits<char>::length(prefix);
    if (p.compare(0, n, prefix) == 0 && (p.size() == n || p[n] == '/')) return true;
  }
  return false;
}

std::string content_type_for(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  static const std::pair<const char*, const char*> types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", kText},
  };
  for (const auto& [e, t] : types)
    if (ext == e) return t;
  return "application/octet-stream";
}

// Vite names build outputs "<name>-<8+ char hash>.<ext>" under assets/: their content
// never changes under that name.
bool is_hashed_asset(const std::string& rel) {
  static const std::regex hashed(R"(^assets/(.+/)?[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$)");
  return std::regex_match(rel, hashed);
}

bool read_file(const fs::path& p, std::string* out) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec || size > kMaxFile) return false;
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string etag_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "";
  std::ostringstream o;
  o << '"' << std::hex << st.st_mtime << '-' << st.st_size << '"';
  return o.str();
}

bool etag_matches(const httplib::Request& req, const std::string& tag) {
  if (tag.empty() || !req.has_header("If-None-Match")) return false;
  std::istringstream in(req.get_header_value("If-None-Match"));
  for (std::string item; std::getline(in, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.rfind("W/", 0) == 0) item = item.substr(2);
    if (item == "*" || item == tag) return true;
  }
  return false;
}

// X-Ingress-Path (Home Assistant's ingress base, "/api/hassio_ingress/<token>"): only a
// path of [A-Za-z0-9._~/-] starting with a single '/', with no empty, "." or ".."
// segment ("//host" would be another host to the browser). Returned without a trailing
// slash; nullopt when unsafe.
std::optional<std::string> safe_ingress_prefix(std::string p) {
  if (p.empty() || p[0] != '/' || p.find("//") != std::string::npos) return std::nullopt;
  for (unsigned char c : p)
    if (!(std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~')) return std::nullopt;
  if (p.back() == '/') p.pop_back();
  for (size_t pos = 1; pos <= p.size();) {
    size_t end = std::min(p.find('/', pos), p.size());
    const std::string segment = p.substr(pos, end - pos);
    if (segment == "." || segment == "..") return std::nullopt;
    pos = end + 1;
  }
  return p;
}

void serve(const httplib::Request& req, httplib::Response& res, const fs::path& file, const std::string& rel,
           const std::string& prefix) {
  std::string body;
  if (!read_file(file, &body)) return not_found(res);
  const bool index = rel == "index.html";
  std::string tag = etag_of(file);
  if (index && !prefix.empty()) {
    body = apply_ingress_prefix(body, prefix);
    tag.clear();  // the body depends on the header: no validator
  }
  res.set_header("Cache-Control", is_hashed_asset(rel) ? "public, max-age=31536000, immutable" : "no-cache");
  res.set_header("Vary", "Accept-Encoding");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (!tag.empty()) res.set_header("ETag", tag);
  if (etag_matches(req, tag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  // httplib compresses text types (gzip or brotli, per Accept-Encoding).
  res.set_content(std::move(body), content_type_for(file));
}

void handle(const fs::path& root, std::atomic<uint64_t>* rejected_ingress, const httplib::Request& req,
            httplib::Response& res) {
  const std::string path = collapse_slashes(req.path);  // already percent-decoded
  if (reserved(path)) return not_found(res);
  if (!safe_path(path)) return not_found(res);
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec || !fs::is_regular_file(base / "index.html", ec))
    return not_found(res, "vigil's web UI is not built (no index.html in " + root.string() +
                              "): run `make` in the source tree, or set VIGIL_WEB_DIR. The API is at /api/.");
  std::string prefix;
  if (req.has_header("X-Ingress-Path")) {
    auto safe = safe_ingress_prefix(req.get_header_value("X-Ingress-Path"));
    if (safe)
      prefix = *safe;
    else if (rejected_ingress)
      ++*rejected_ingress;  // ignored: the page is served as without the header
  }
  std::string rel = path.size() > 1 ? path.substr(1) : "";
  if (!rel.empty() && rel.back() != '/') {
    const fs::path target = fs::canonical(base / rel, ec);
    if (!ec && inside(target, base) && fs::is_regular_file(target, ec)) {
      return serve(req, res, target, fs::relative(target, base, ec).generic_string(), prefix);
    }
  }
  // A missing build output is a 404, not the app: a stale page asking for an old
  // asset must not get HTML as JavaScript.
  if (rel.rfind("assets/", 0) == 0) return not_found(res);
  serve(req, res, base / "index.html", "index.html", prefix);
}

// A JavaScript string literal safe inside <script>: '<' and every non-ASCII or control
// byte as \u escapes, so no "</script>" can end the element.
std::string js_string(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

}  // namespace

std::string default_web_dir() {
  if (const char* env = std::getenv("VIGIL_WEB_DIR"); env && *env) return env;
  // Installed (the Debian package): /usr/bin/vigil serves /usr/share/vigil/web.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share/vigil/web";
    if (fs::is_regular_file(installed / "index.html", ec)) return installed.string();
  }
  return VIGIL_WEB_DIR;
}

std::string apply_ingress_prefix(const std::string& html, const std::string& prefix) {
  std::string out = html;
  // Escaped for where it is written, whatever the caller checked.
  const std::string attr = html_escape(prefix);
  replace_all(out, "href=\"/", "href=\"" + attr + "/");
  replace_all(out, "src=\"/", "src=\"" + attr + "/");
  const std::string script = "<script>window.baseUrl=" + js_string(prefix + "/") + ";</script>";
  size_t head = out.find("<head>");
  if (head != std::string::npos)
    out.insert(head + 6, script);
  else
    out.insert(0, script);
  return out;
}

void add_static_routes(ConnectionServer& svr, const std::string& web_dir, std::atomic<uint64_t>* rejected_ingress) {
  svr.Get(R"(/.*)", [root = fs::path(web_dir), rejected_ingress](const httplib::Request& req, httplib::Response& res) {
    handle(root, rejected_ingress, req, res);
  });
}

}  // namespace vigil
