#include "api/vod_routes.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/connections.h"
#include "api/params.h"
#include "config/config.h"
#include "events/event_store.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "storage/recording_index.h"
#include "storage/vod_plan.h"
#include "storage/vod_segment.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

constexpr double kMaxRangeSeconds = 24 * 3600;  // a longer playlist is refused (400)
constexpr const char* kPlaylistType = "application/vnd.apple.mpegurl";
constexpr const char* kSegmentType = "video/MP2T";

// A refusal: status and the JSON message.
struct VodError {
  int status;
  std::string message;
};

void json_error(httplib::Response& res, const VodError& e) {
  nlohmann::json j = {{"success", false}, {"message", e.message}};
  res.status = e.status;
  res.set_content(j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
}

// What a /vod/ folder plays: a camera's recordings over [start, end], or one clip file.
struct Source {
  std::string camera;
  std::string clip;  // path of the event's clip file; "" = recordings
  double start = 0, end = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t a = 0;
  for (;;) {
    const size_t b = s.find('/', a);
    out.push_back(s.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) return out;
    a = b + 1;
  }
}

double time_param(const std::string& what, const std::string& v) {
  double t = 0;
  if (!parse_number(v, &t) || !std::isfinite(t) || t < 0) throw VodError{400, what + ": not a Unix time: " + v};
  return t;
}

int two_digits(const std::string& v, int lo, int hi) {
  if (v.size() != 2 || !std::isdigit(static_cast<unsigned char>(v[0])) ||
      !std::isdigit(static_cast<unsigned char>(v[1])))
    return -1;
  const int n = (v[0] - '0') * 10 + (v[1] - '0');
  return n >= lo && n <= hi ? n : -1;
}

class Vod {
 public:
  Vod(const Config& cfg, EventDb* db, EventStore* store, const Clock& clock)
      : cfg_(cfg), layout_(cfg.media_dir), roots_(RecordingRoots::of(cfg)), db_(db), store_(store), clock_(clock) {}

  void handle(const httplib::Request& req, httplib::Response& res) const;

 private:
  const CameraConfig* camera(const std::string& name) const {
    for (const CameraConfig& c : cfg_.cameras)
      if (c.name == name) return &c;
    return nullptr;
  }
  const CameraConfig& camera_or_404(const std::string& name) const {
    const CameraConfig* c = camera(name);
    if (!c) throw VodError{404, "Camera named " + name + " not found"};
    return *c;
  }
  Source source(const std::vector<std::string>& dir) const;
  Source event_source(const std::string& id) const;
  std::vector<IndexedMedia> files(const Source& src) const;
  std::vector<IndexedMedia> segment_files(const Source& src, const VodSegment& seg) const;

  const Config& cfg_;
  MediaLayout layout_;
  RecordingRoots roots_;  // every tier's recordings/ (fixed at start)
  EventDb* db_;           // finished events (may be null)
  EventStore* store_;     // events in progress (may be null)
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_ = logger("vigil.http");
};

Source Vod::source(const std::vector<std::string>& dir) const {
  if (dir.size() == 2 && dir[0] == "event") return event_source(dir[1]);
  if (dir.size() == 5 && dir[1] == "start" && dir[3] == "end") {
    Source s;
    s.camera = camera_or_404(dir[0]).name;
    s.start = time_param("start", dir[2]);
    s.end = time_param("end", dir[4]);
    if (s.end < s.start) throw VodError{400, "end is before start"};
    if (s.end - s.start > kMaxRangeSeconds) throw VodError{400, "range longer than 24 hours"};
    return s;
  }
  if (dir.size() == 5 && looks_like_recording_month(dir[0])) {
    // Frigate's vod_hour: the path's hour read as UTC, minus the zone's current offset.
    const int year = std::atoi(dir[0].substr(0, 4).c_str()), month = two_digits(dir[0].substr(5), 1, 12);
    const int day = two_digits(dir[1], 1, 31), hour = two_digits(dir[2], 0, 23);
    if (month < 0 || day < 0 || hour < 0) throw VodError{400, "not an hour: " + dir[0] + "/" + dir[1] + "/" + dir[2]};
    Source s;
    s.camera = camera_or_404(dir[3]).name;
    std::string tz = dir[4];
    for (char& c : tz) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (tz != "utc" && tz != "etc,utc" && tz != "gmt" && tz != "etc,gmt" && tz != "z")
      throw VodError{400, "unknown time zone: " + dir[4] + " (only utc is supported)"};
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    s.start = double(timegm(&tm));
    s.end = s.start + 3600 - 0.001;
    return s;
  }
  throw VodError{404, "Not found"};
}

Source Vod::event_source(const std::string& id) const {
  Source s;
  double pre = 0, post = 0;
  if (auto e = db_ ? db_->get(id) : std::nullopt) {
    if (!e->has_clip) throw VodError{404, "Recordings not available."};
    s.camera = e->camera;
    const std::string clip = layout_.clip(e->camera, e->id);
    std::error_code ec;
    if (std::filesystem::is_regular_file(clip, ec)) {
      s.clip = clip;
      return s;
    }
    s.start = e->start_time;
    s.end = e->end_time;
    if (const CameraConfig* c = camera(e->camera)) pre = c->clips.pre_capture, post = c->clips.post_capture;
  } else if (auto live = store_ ? store_->in_progress(id) : std::nullopt) {
    s.camera = live->second->name;
    s.start = live->first.start_time;
    s.end = clock_.wall();
    pre = live->second->clips.pre_capture;
  } else {
    throw VodError{404, "Event not found."};
  }
  s.start -= pre;
  s.end += post;
  return s;
}

std::vector<IndexedMedia> Vod::files(const Source& src) const {
  if (src.clip.empty()) return recordings_overlapping(roots_, src.camera, src.start, src.end);
  std::string why;
  auto m = index_media(src.clip, &why);
  if (!m) {
    log_->warn("vod: cannot read the clip {}: {}", printable(src.clip), printable(why));
    return {};
  }
  m->id = "c";
  return {std::move(*m)};
}

// The files from seg.from to seg.to, as the segment's playlist listed them.
std::vector<IndexedMedia> Vod::segment_files(const Source& src, const VodSegment& seg) const {
  std::vector<IndexedMedia> out;
  if (seg.from.id == "c" || seg.to.id == "c") {
    if (src.clip.empty() || seg.from.id != seg.to.id) return out;
    return files(src);
  }
  auto a = parse_recording_id(src.camera, seg.from.id), b = parse_recording_id(src.camera, seg.to.id);
  if (!a || !b) return out;
  const auto names = recordings_between(roots_, src.camera, a->start(), b->start());
  bool in = false;
  for (const RecordingSegmentName& n : names) {
    const std::string id = recording_id(n);
    if (id == seg.from.id) in = true;
    if (!in) continue;
    const std::optional<std::string> path = roots_.locate(n.relative_path());
    std::optional<IndexedMedia> m;
    if (path) m = index_media(*path);
    if (!m) return {};  // a file of the segment cannot be read: no segment
    m->id = id;
    m->start = n.start();
    out.push_back(std::move(*m));
    if (id == seg.to.id) return out;
  }
  return {};  // the run is not complete (retention took a file)
}

// "2026-12-07T09:00:00.123Z"
std::string utc_iso_ms(double t) {
  const long long ms = std::llround(t * 1000);
  const std::time_t secs = std::time_t(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[24];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03dZ", int(ms % 1000));
  return std::string(date) + frac;
}

std::string playlist(const std::vector<VodSegment>& segs, const std::string& query) {
  double longest = 0;
  for (const VodSegment& s : segs) longest = std::max(longest, s.duration);
  std::string m = "#EXTM3U\n#EXT-X-TARGETDURATION:" + std::to_string(std::max(1, int(std::ceil(longest - 1e-4)))) +
                  "\n#EXT-X-ALLOW-CACHE:YES\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:1\n";
  char inf[48];
  for (const VodSegment& s : segs) {
    // Each segment's wall time (UTC), so that players map media time to wall time
    // without knowing vigil's time zone (the names hold its local time).
    if (s.wall > 0) m += "#EXT-X-PROGRAM-DATE-TIME:" + utc_iso_ms(s.wall) + "\n";
    std::snprintf(inf, sizeof inf, "#EXTINF:%.3f,\n", s.duration);
    m += inf;
    m += s.name() + query + "\n";
  }
  return m + "#EXT-X-ENDLIST\n";
}

std::string master(const std::vector<IndexedMedia>& files, const std::string& query) {
  double seconds = 0, bytes = 0;
  for (const IndexedMedia& f : files) seconds += f.duration, bytes += double(f.bytes);
  const long long bandwidth = seconds > 0 ? std::llround(bytes * 8 / seconds) : 1000000;
  std::string m = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(std::max(1LL, bandwidth));
  if (files.front().width > 0 && files.front().height > 0)
    m += ",RESOLUTION=" + std::to_string(files.front().width) + "x" + std::to_string(files.front().height);
  return m + "\nindex.m3u8" + query + "\n";
}

// The body, or the single byte range asked for (206; 416 when outside the body).
void send_ranged(const httplib::Ranges& ranges, httplib::Response& res, std::string body, const char* type) {
  res.set_header("Accept-Ranges", "bytes");
  const size_t size = body.size();
  if (ranges.size() != 1) {
    res.set_content(std::move(body), type);
    return;
  }
  const auto [a, b] = ranges[0];
  const bool suffix = a < 0;
  if (suffix ? (b <= 0 || size == 0) : size_t(a) >= size) {
    res.status = 416;
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    return;
  }
  const size_t first = suffix ? size - std::min(size_t(b), size) : size_t(a);
  const size_t last = suffix || b < 0 ? size - 1 : std::min(size_t(b), size - 1);
  res.status = 206;
  res.set_header("Content-Range",
                 "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size));
  res.set_content(body.substr(first, last - first + 1), type);
}

void Vod::handle(const httplib::Request& req, httplib::Response& res) const {
  // httplib would slice any response to a Range request (errors too): ranges are ours.
  const httplib::Ranges ranges = req.ranges;
  const_cast<httplib::Request&>(req).ranges.clear();
  res.set_header("Cache-Control", "no-store");
  res.set_header("Access-Control-Allow-Origin", "*");
  const size_t q = req.target.find('?');
  const std::string query = q == std::string::npos || q + 1 == req.target.size() ? "" : req.target.substr(q);
  try {
    std::vector<std::string> parts = split(req.matches[1]);
    const std::string file = parts.back();
    parts.pop_back();
    const bool index = file == "index.m3u8", is_master = file == "master.m3u8";
    const auto seg = VodSegment::parse(file);
    if (!index && !is_master && !seg) throw VodError{404, "Not found"};
    const Source src = source(parts);
    if (seg) {
      const auto fs = segment_files(src, *seg);
      const auto pieces = vod_pieces(*seg, fs);
      if (pieces.empty()) throw VodError{404, "Segment not found."};
      std::string body, why;
      if (!write_ts_segment(fs, pieces, &body, &why)) {
        log_->error("vod: segment {} of {}: {}", printable(file), printable(src.camera), printable(why));
        throw VodError{500, "cannot cut the segment: " + why};
      }
      return send_ranged(ranges, res, std::move(body), kSegmentType);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto fs = files(src);
    const auto segs = plan_vod(fs, src.clip.empty() ? src.end : std::numeric_limits<double>::infinity());
    if (segs.empty()) throw VodError{404, "No recordings found."};
    res.set_content(is_master ? master(fs, query) : playlist(segs, query), kPlaylistType);
    log_->debug("vod: {} ({} files, {} segments) in {:.1f} ms", printable(req.path, 200), fs.size(), segs.size(),
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  } catch (const VodError& e) {
    json_error(res, e);
  }
}

}  // namespace

void add_vod_routes(ConnectionServer& svr, const Config& cfg, EventDb* db, EventStore* store, const Clock& clock) {
  auto vod = std::make_shared<Vod>(cfg, db, store, clock);
  svr.Get(R"(/vod/(.+/[^/]+))", [vod](const httplib::Request& req, httplib::Response& res) { vod->handle(req, res); });
  svr.Get(R"(/vod(/.*)?)", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    json_error(res, {404, "Not found"});
  });
}

}  // namespace vigil
