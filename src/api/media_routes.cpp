#include "api/media_routes.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <locale>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "api/connections.h"
#include "api/html_escape.h"
#include "api/media_files.h"
#include "storage/media_layout.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

constexpr const char* kText = "text/plain; charset=utf-8";
constexpr size_t kChunk = 64 * 1024;  // bytes read from disk per provider call

// One of the two served folders: URL prefix ("/clips") and what may be served there.
// Recordings may span several folders (storage tiers, docs/storage.md "Tiers"): a file is
// served from the first tree holding it, a folder lists the union of the trees' entries.
struct MediaRoot {
  std::string prefix;
  std::vector<MediaTree> trees;  // tier order; clips: one
  bool json_listing;             // recordings: nginx JSON autoindex; clips: HTML
};

void not_found(httplib::Response& res) {
  res.status = 404;
  res.set_content("Not Found", kText);
}

// CORS as on /api: any origin may read, never with credentials (an echoed Origin with
// Allow-Credentials would let any site read the media with the user's cookies once a
// login exists).
void add_cors(httplib::Response& res) {
  res.set_header("Access-Control-Allow-Origin", "*");
  res.set_header("Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges");
}

// RFC 1123 date in GMT, independent of the process locale.
std::string http_date(time_t t) {
  static const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<time_t> parse_http_date(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
  if (in.fail()) return std::nullopt;
  return timegm(&tm);
}

std::string collapse_slashes(const std::string& path) {
  std::string out;
  for (char c : path)
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  return out;
}

std::string content_type_for(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (ext == ".mp4") return "video/mp4";
  if (ext == ".jpg") return "image/jpeg";
  if (ext == ".webp") return "image/webp";
  return "application/octet-stream";
}

// ---- files ----

std::string make_etag(const struct stat& st) {
  std::ostringstream o;
  o << '"' << std::hex << st.st_mtime << '-' << st.st_size << '"';
  return o.str();
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// If-None-Match list: "*" or any tag equal to ours (weak comparison, RFC 7232 §3.2).
bool etag_listed(const std::string& header, const std::string& tag) {
  std::istringstream in(header);
  for (std::string item; std::getline(in, item, ',');) {
    item = trim(item);
    if (item.rfind("W/", 0) == 0) item = item.substr(2);
    if (item == "*" || item == tag) return true;
  }
  return false;
}

bool not_modified(const httplib::Request& req, const std::string& tag, time_t mtime) {
  if (req.has_header("If-None-Match")) return etag_listed(req.get_header_value("If-None-Match"), tag);
  if (!req.has_header("If-Modified-Since")) return false;
  auto since = parse_http_date(req.get_header_value("If-Modified-Since"));
  return since && *since >= mtime;
}

// If-Range: the Range header counts only if the validator is still current.
bool range_current(const httplib::Request& req, const std::string& tag, time_t mtime) {
  if (!req.has_header("If-Range")) return true;
  std::string v = trim(req.get_header_value("If-Range"));
  if (!v.empty() && v[0] == '"') return v == tag;
  if (v.rfind("W/", 0) == 0) return false;  // weak tags never match If-Range
  auto date = parse_http_date(v);
  return date && *date == mtime;
}

struct ByteRange {
  size_t first = 0, last = 0;  // inclusive
};

// One parsed range (httplib: -1 for a missing bound) against the file size.
// nullopt: not satisfiable.
std::optional<ByteRange> resolve_range(const httplib::Range& r, size_t size) {
  if (r.first < 0) {  // suffix: the last n bytes
    size_t n = size_t(r.second);
    if (n == 0 || size == 0) return std::nullopt;
    return ByteRange{size - std::min(n, size), size - 1};
  }
  size_t first = size_t(r.first);
  if (first >= size) return std::nullopt;
  size_t last = r.second < 0 ? size - 1 : std::min(size_t(r.second), size - 1);
  return ByteRange{first, last};
}

struct OpenFile {
  int fd;
  std::vector<char> buf = std::vector<char>(kChunk);
  explicit OpenFile(int f) : fd(f) {}
  ~OpenFile() { ::close(fd); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
};

// Streams bytes [start, start+length) of the file in chunks; the file is never held in
// memory as a whole.
void provide(httplib::Response& res, std::shared_ptr<OpenFile> f, size_t start, size_t length,
             const std::string& type) {
  if (length == 0) {  // httplib needs a body, not a provider, for an empty response
    res.set_content("", type);
    return;
  }
  res.set_content_provider(length, type, [f, start](size_t off, size_t len, httplib::DataSink& sink) {
    ssize_t n;
    do {
      n = ::pread(f->fd, f->buf.data(), std::min(len, kChunk), off_t(start + off));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;  // read error or file truncated meanwhile: abort the response
    return sink.write(f->buf.data(), size_t(n));
  });
}

// `file`: a regular file opened by MediaTree::open (served from that descriptor, so
// nothing can swap the file between the checks and the read).
void serve_file(const httplib::Request& req, const httplib::Ranges& ranges, httplib::Response& res,
                MediaTree::Opened file, const std::string& name) {
  const struct stat st = file.st;
  auto f = std::make_shared<OpenFile>(file.fd.release());

  const std::string tag = make_etag(st);
  const size_t size = size_t(st.st_size);
  res.set_header("ETag", tag);
  res.set_header("Last-Modified", http_date(st.st_mtime));
  res.set_header("Accept-Ranges", "bytes");
  res.set_header("Cache-Control", "no-cache");  // retention may replace files: revalidate
  if (not_modified(req, tag, st.st_mtime)) {
    res.status = 304;
    return;
  }
  const std::string type = content_type_for(name);
  // Several ranges: the whole file (RFC 7233 allows it); a stale If-Range likewise.
  if (ranges.size() != 1 || !range_current(req, tag, st.st_mtime)) {
    res.status = 200;
    return provide(res, f, 0, size, type);
  }
  auto r = resolve_range(ranges[0], size);
  if (!r) {
    res.status = 416;
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    res.set_content("Range Not Satisfiable", kText);
    return;
  }
  res.status = 206;
  res.set_header("Content-Range",
                 "bytes " + std::to_string(r->first) + "-" + std::to_string(r->last) + "/" + std::to_string(size));
  provide(res, f, r->first, r->last - r->first + 1, type);
}

// ---- listings ----

// nginx's JSON string escaping (ngx_escape_json): quote, backslash and control bytes.
std::string json_escape(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      out += '\\';
      switch (c) {
        case '\n':
          out += 'n';
          break;
        case '\r':
          out += 'r';
          break;
        case '\t':
          out += 't';
          break;
        case '\b':
          out += 'b';
          break;
        case '\f':
          out += 'f';
          break;
        default:
          out += "u00", out += hex[c >> 4], out += hex[c & 15];
      }
    } else {
      out += char(c);
    }
  }
  return out;
}

using Entry = MediaTree::Entry;

// Byte for byte nginx's `autoindex_format json` (§5.3).
std::string json_listing(std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.dir != b.dir) return a.dir;
    return a.name < b.name;  // byte order
  });
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (i > 0) out += ',';
    // Only folders and regular files are listed (MediaTree::list): never "other".
    out += "\r\n{ \"name\":\"" + json_escape(e.name) + "\", \"type\":\"";
    out += e.dir ? "directory" : "file";
    out += "\", \"mtime\":\"" + http_date(e.st.st_mtime) + "\"";
    if (!e.dir) out += ", \"size\":" + std::to_string(e.st.st_size);
    out += " }";
  }
  return out + "\r\n]";
}

// §5.4: one link per file, newest first.
std::string html_listing(const std::string& url_dir, std::vector<Entry> entries) {
  std::erase_if(entries, [](const Entry& e) { return e.dir; });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.st.st_mtime != b.st.st_mtime ? a.st.st_mtime > b.st.st_mtime : a.name < b.name;
  });
  std::string title = "Index of " + html_escape(url_dir);
  std::string out =
      "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<h1>" + title + "</h1><hr><pre>\r\n";
  for (const Entry& e : entries) {
    out += "<a href=\"" + html_escape(url_encode_path(e.name)) + "\">" + html_escape(e.name) + "</a> " +
           http_date(e.st.st_mtime) + " " + std::to_string(e.st.st_size) + "\r\n";
  }
  return out + "</pre><hr></body>\r\n</html>\r\n";
}

// ---- dispatch ----

void handle(const MediaRoot& root, const httplib::Request& req, httplib::Response& res) {
  // httplib slices the body of any response to a request with a Range header
  // (apply_ranges ignores the status); ranges are handled here instead, so take them
  // out of the request. The Request object is non-const inside httplib.
  const httplib::Ranges ranges = req.ranges;
  const_cast<httplib::Request&>(req).ranges.clear();
  add_cors(res);

  const std::string url = collapse_slashes(req.path);  // req.path is already percent-decoded
  const std::string rel = url.substr(root.prefix.size());
  if (rel.empty()) return res.set_redirect(root.prefix + "/", 301);
  const bool slash = rel.back() == '/';
  std::vector<std::string> parts;  // "/a/b/" → a, b
  for (size_t pos = 1; pos < rel.size();) {
    size_t end = std::min(rel.find('/', pos), rel.size());
    parts.push_back(rel.substr(pos, end - pos));
    pos = end + 1;
  }

  // Allow-listed names only, no symbolic links, never the database (media_files.h).
  MediaTree::Opened entry;
  size_t found = 0;  // the tree that opened it
  for (; found < root.trees.size() && !entry.fd; ++found) entry = root.trees[found].open(parts);
  if (!entry.fd) return not_found(res);
  if (S_ISDIR(entry.st.st_mode)) {
    if (!slash) return res.set_redirect(url_encode_path(url) + "/", 301);
    std::vector<Entry> entries = root.trees[found - 1].list(entry.fd, parts.size());
    // The same folder on the later tiers: names not seen yet (a segment mid-move is on
    // two tiers; a folder may exist on several).
    for (size_t t = found; t < root.trees.size(); ++t) {
      MediaTree::Opened more = root.trees[t].open(parts);
      if (!more.fd || !S_ISDIR(more.st.st_mode)) continue;
      for (Entry& e : root.trees[t].list(more.fd, parts.size()))
        if (std::none_of(entries.begin(), entries.end(), [&](const Entry& x) { return x.name == e.name; }))
          entries.push_back(std::move(e));
    }
    if (root.json_listing)
      res.set_content(json_listing(std::move(entries)), "application/json");
    else
      res.set_content(html_listing(url, std::move(entries)), "text/html; charset=utf-8");
    return;
  }
  if (slash) return not_found(res);  // a file is not a folder
  serve_file(req, ranges, res, std::move(entry), parts.back());
}

void add_root(ConnectionServer& svr, MediaRoot root) {
  // "/clips", "/clips/…" (also "/clips//…"), but not "/clipsx".
  std::string pattern = root.prefix + "(/.*)?";
  svr.Get(pattern,
          [root = std::move(root)](const httplib::Request& req, httplib::Response& res) { handle(root, req, res); });
}

}  // namespace

bool is_media_path(const std::string& path) {
  for (const char* prefix : {"/clips", "/recordings", "/exports"}) {
    size_t n = std::char_traits<char>::length(prefix);
    if (path.compare(0, n, prefix) == 0 && (path.size() == n || path[n] == '/')) return true;
  }
  return false;
}

void add_media_routes(ConnectionServer& svr, const std::string& media_dir, const std::string& database_path,
                      const std::vector<std::string>& archive_recordings) {
  add_root(svr, {"/clips", {MediaTree(MediaLayout(media_dir).clips_dir(), MediaKind::kClips, database_path)}, false});
  std::vector<MediaTree> recordings{
      MediaTree(MediaLayout(media_dir).recordings_dir(), MediaKind::kRecordings, database_path)};
  for (const std::string& dir : archive_recordings) recordings.emplace_back(dir, MediaKind::kRecordings, database_path);
  add_root(svr, {"/recordings", std::move(recordings), true});
  // Exports (storage/export_maker.h): files only; the list is GET /api/exports.
  add_root(svr,
           {"/exports", {MediaTree(MediaLayout(media_dir).exports_dir(), MediaKind::kExports, database_path)}, false});
}

}  // namespace vigil
