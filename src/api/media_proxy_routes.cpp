#include "api/media_proxy_routes.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/connections.h"
#include "api/http_server.h"
#include "api/json_error.h"
#include "api/maker_slots.h"
#include "api/media_files.h"
#include "api/media_range.h"
#include "api/review_routes.h"
#include "events/event_store.h"
#include "storage/clip_assembler.h"
#include "storage/clip_cache.h"
#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "storage/preview_gif.h"
#include "storage/range_clip.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 64 * 1024;  // bytes read per provider call

// Names of the on-demand files (unique within the process).
std::atomic<uint64_t> g_file_counter{0};
// The work folder is emptied once per process, before its first use.
std::once_flag g_work_dir_cleaned;

void busy(httplib::Response& res) {
  res.set_header("Retry-After", "5");
  json_error(res, 503, "too many clips or previews being made; retry later");
}

// An open file served in chunks (closed with the response).
struct OpenFile {
  Fd fd;
  std::vector<char> buf = std::vector<char>(kChunk);
};

// Serves `fd` (`size` bytes) with `Accept-Ranges`, one byte range (206), 416, or whole.
void serve_fd(const std::string& range_header, httplib::Response& res, Fd fd, uint64_t size, const char* type) {
  res.set_header("Accept-Ranges", "bytes");
  const ByteRangeAnswer r = answer_range(range_header, size);
  if (r.kind == ByteRangeAnswer::kUnsatisfiable) {
    res.set_header("Content-Range", content_range(r, size));
    json_error(res, 416, "range not satisfiable");
    return;
  }
  uint64_t first = 0, length = size;
  if (r.kind == ByteRangeAnswer::kPartial) {
    res.status = 206;
    res.set_header("Content-Range", content_range(r, size));
    first = r.first;
    length = r.last - r.first + 1;
  }
  if (length == 0) {
    res.set_content("", type);
    return;
  }
  auto f = std::make_shared<OpenFile>();
  f->fd = std::move(fd);
  res.set_content_provider(size_t(length), type, [f, first](size_t off, size_t len, httplib::DataSink& sink) {
    ssize_t n;
    do {
      n = ::pread(f->fd.get(), f->buf.data(), std::min(len, kChunk), off_t(first + off));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;  // read error: abort the response
    return sink.write(f->buf.data(), size_t(n));
  });
}

class MediaProxy {
 public:
  MediaProxy(const ApiSources& src, const Clock& clock)
      : src_(src),
        cfg_(*src.config),
        layout_(cfg_.media_dir),
        roots_(RecordingRoots::of(cfg_)),
        work_dir_(layout_.cache_dir() + "/ondemand"),
        clock_(clock) {
    std::call_once(g_work_dir_cleaned, [this] {
      std::error_code ec;
      fs::remove_all(work_dir_, ec);  // files a crash left
    });
  }

  void event_clip(const httplib::Request& req, httplib::Response& res) const;
  void range_clip_route(const httplib::Request& req, httplib::Response& res) const;
  void event_preview(const httplib::Request& req, httplib::Response& res) const;
  void review_preview(const httplib::Request& req, httplib::Response& res) const;

 private:
  // An event's camera and span: [start, end] (end = now while in progress).
  struct Span {
    std::string camera;
    double start = 0, end = 0;
    bool has_clip = false;     // a finished event whose row says it has a clip file
    bool in_progress = false;  // not finished yet (its clip cache holds it all)
    int pre = 0, post = 0;     // the camera's clips.pre_capture / post_capture
  };
  std::optional<Span> event_span(const std::string& id) const;
  // Cuts [a, b] of `camera`'s recordings (with `cache_first`, of its clip cache if that
  // has any of it, else of the recordings; without, the cache is the fallback) into a
  // file and serves it (the file is unlinked once open: it goes with the response).
  void cut_and_serve(const std::string& range_header, const std::string& camera, double a, double b,
                     httplib::Response& res, std::optional<bool> cache_first = std::nullopt) const;
  // The clip cache's segments of `camera` over [a, b] (none without a cache).
  std::vector<CacheSegment> cached(const std::string& camera, double a, double b) const {
    auto it = src_.clip_caches.find(camera);
    return it == src_.clip_caches.end() || !it->second ? std::vector<CacheSegment>{} : it->second->segments(a, b);
  }

  // A GIF of [a, b] of `camera`'s clip cache (not ok without one, or without video there).
  PreviewGif cached_gif(const std::string& camera, double a, double b) const;

  const ApiSources& src_;
  const Config& cfg_;
  const MediaLayout layout_;
  const RecordingRoots roots_;  // every tier's recordings/
  const std::string work_dir_;  // on-demand clips, each unlinked as soon as it is open
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_ = logger("vigil.http");
};

std::optional<MediaProxy::Span> MediaProxy::event_span(const std::string& id) const {
  Span s;
  const CameraConfig* cam = nullptr;
  if (auto e = src_.events_db ? src_.events_db->get(id) : std::nullopt) {
    s.camera = e->camera;
    s.start = e->start_time;
    s.end = e->end_time;
    s.has_clip = e->has_clip;
    cam = cfg_.camera(e->camera);
  } else if (auto live = src_.events ? src_.events->in_progress(id) : std::nullopt) {
    s.camera = live->second->name;
    s.start = live->first.start_time;
    s.end = clock_.wall();
    s.in_progress = true;
    cam = live->second;
  } else {
    return std::nullopt;
  }
  if (cam) s.pre = cam->clips.pre_capture, s.post = cam->clips.post_capture;
  return s;
}

void MediaProxy::cut_and_serve(const std::string& range_header, const std::string& camera, double a, double b,
                               httplib::Response& res, std::optional<bool> cache_first) const {
  MakerSlots::Slot slot(media_makers());
  if (!slot.held()) return busy(res);
  std::error_code ec;
  fs::create_directories(work_dir_, ec);
  const std::string path = work_dir_ + "/clip-" + std::to_string(g_file_counter.fetch_add(1)) + ".mp4";
  const auto t0 = std::chrono::steady_clock::now();
  auto from_cache = [&] {
    const std::vector<CacheSegment> segs = cached(camera, a, b);
    ClipResult c;
    c.why = "no cached video of " + camera + " in the range";
    return segs.empty() ? c : assemble_clip(segs, a, b, path);
  };
  ClipResult r = cache_first.value_or(false) ? from_cache() : range_clip(roots_, camera, a, b, path);
  if (!r.ok && cache_first) {
    const ClipResult second = *cache_first ? range_clip(roots_, camera, a, b, path) : from_cache();
    if (second.ok || second.why.rfind("cannot write", 0) == 0 || second.why.rfind("write error", 0) == 0) r = second;
  }
  if (!r.ok) {
    const bool failed = r.why.rfind("cannot write", 0) == 0 || r.why.rfind("write error", 0) == 0;
    if (failed) {
      log_->error("clip of {} [{:.3f}, {:.3f}]: {}", printable(camera), a, b, printable(r.why));
      return json_error(res, 500, "cannot make the clip: " + r.why);
    }
    log_->debug("clip of {} [{:.3f}, {:.3f}]: {}", printable(camera), a, b, printable(r.why));
    return json_error(res, 404, "No recordings found.");
  }
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const int open_errno = errno;
  fs::remove(path, ec);
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    log_->error("clip {}: cannot open it again: {}", path, std::strerror(open_errno));
    return json_error(res, 500, "cannot read the clip made");
  }
  log_->debug("clip of {} [{:.3f}, {:.3f}]: {:.1f} s, {} bytes in {:.0f} ms", printable(camera), a, b, r.duration,
              st.st_size, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  serve_fd(range_header, res, std::move(fd), uint64_t(st.st_size), "video/mp4");
}

void MediaProxy::event_clip(const httplib::Request& req, httplib::Response& res) const {
  const std::string range = req.get_header_value("Range");
  const std::string id = req.matches[1];
  const auto span = event_span(id);
  if (!span) return json_error(res, 404, "Event not found");
  if (span->has_clip) {  // the clip file as the events thread wrote it
    MediaTree clips(layout_.clips_dir(), MediaKind::kClips, cfg_.database_path);
    MediaTree::Opened f = clips.open({span->camera + "-" + id + ".mp4"});
    if (f.fd && S_ISREG(f.st.st_mode))
      return serve_fd(range, res, std::move(f.fd), uint64_t(f.st.st_size), "video/mp4");
  }
  // In progress: the clip cache (it holds the event's span up to its last fragment), else
  // the recordings. No clip file: the recordings, else what the cache still holds.
  cut_and_serve(range, span->camera, span->start - span->pre, span->end + span->post, res, span->in_progress);
}

void MediaProxy::range_clip_route(const httplib::Request& req, httplib::Response& res) const {
  const std::string camera = req.matches[1];
  const auto start = parse_unix_time(req.matches[2]), end = parse_unix_time(req.matches[3]);
  if (!start || !end) return json_error(res, 400, "start and end must be Unix times");
  if (std::string why = clip_range_error(*start, *end); !why.empty()) return json_error(res, 400, why);
  if (!cfg_.camera(camera)) return json_error(res, 404, "Camera " + camera + " not found");
  cut_and_serve(req.get_header_value("Range"), camera, *start, *end, res);
}

void MediaProxy::event_preview(const httplib::Request& req, httplib::Response& res) const {
  const std::string id = req.matches[1];
  const auto span = event_span(id);
  if (!span) return json_error(res, 404, "Event not found");
  const double a = span->start, b = std::max(a + 1, std::min(span->end, a + kEventPreviewSeconds));
  MakerSlots::Slot slot(media_makers());
  if (!slot.held()) return busy(res);
  const auto t0 = std::chrono::steady_clock::now();
  auto from_cache = [&] { return cached_gif(span->camera, a, b); };
  PreviewGif gif = span->in_progress ? from_cache() : PreviewGif{};
  if (!gif.ok) gif = preview_gif(roots_, span->camera, a, b);
  if (!gif.ok && span->has_clip) {  // no recordings: the event's clip (its time 0 is start − pre_capture)
    const std::string clip = layout_.clip(span->camera, id);
    std::error_code ec;
    if (fs::is_regular_file(clip, ec)) gif = make_preview_gif({{clip, a - span->pre}}, a, b);
  }
  if (!gif.ok && !span->in_progress) gif = from_cache();
  if (!gif.ok) {
    log_->debug("preview of event {}: {}", printable(id), printable(gif.why));
    return json_error(res, 404, "Preview not available");
  }
  log_->debug("preview of event {}: {} frames, {} bytes in {:.0f} ms", printable(id), gif.frames, gif.gif.size(),
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  res.set_content(std::move(gif.gif), "image/gif");
}

PreviewGif MediaProxy::cached_gif(const std::string& camera, double a, double b) const {
  std::vector<GifSource> files;
  for (const CacheSegment& seg : cached(camera, a, b)) {
    std::error_code ec;  // a segment being written may have been closed (renamed) since
    files.push_back({seg.closed || fs::exists(seg.part_path, ec) ? seg.path() : seg.final_path, seg.wall0});
  }
  PreviewGif g;
  g.why = "no cached video";
  return files.empty() ? g : make_preview_gif(files, a, b);
}

// GET /api/review/<id>/preview[?format=gif|mp4] (ha-current.md §4.4, §7.4): the review
// item's [start − 8 s, end + 8 s] (an open one: up to now), as Frigate 0.14 makes it,
// from the recordings (review items exist only while recording), else the clip cache.
void MediaProxy::review_preview(const httplib::Request& req, httplib::Response& res) const {
  const std::string format = req.has_param("format") ? req.get_param_value("format") : "gif";
  if (format != "gif" && format != "mp4") return json_error(res, 400, "format: must be gif or mp4");
  const double now = clock_.wall();
  const std::string id = req.matches[1];
  const auto span = src_.events_db ? review_span(*src_.events_db, id, now) : std::nullopt;
  if (!span) return json_error(res, 404, "Review item not found");
  constexpr double kPad = 8;  // Frigate 0.14's padding before and after
  const double a = span->start - kPad, b = std::min(now, span->end + kPad);
  if (format == "mp4") return cut_and_serve(req.get_header_value("Range"), span->camera, a, b, res, false);
  MakerSlots::Slot slot(media_makers());
  if (!slot.held()) return busy(res);
  PreviewGif gif = preview_gif(roots_, span->camera, a, b);
  if (!gif.ok) gif = cached_gif(span->camera, a, b);
  if (!gif.ok) {
    log_->debug("preview of review item {}: {}", printable(id), printable(gif.why));
    return json_error(res, 404, "Preview not available");
  }
  res.set_content(std::move(gif.gif), "image/gif");
}

}  // namespace

MakerSlots& media_makers() {
  static MakerSlots slots(kMaxMakers);  // the process's clips and GIFs being made (all listeners share the cores)
  return slots;
}

void add_media_proxy_routes(ConnectionServer& svr, const ApiSources& src, const Clock& clock) {
  auto proxy = std::make_shared<MediaProxy>(src, clock);
  // httplib would slice any response to a Range request (errors too): ranges are ours.
  auto own_ranges = [](const httplib::Request& req) { const_cast<httplib::Request&>(req).ranges.clear(); };
  svr.Get(R"(/api/events/([^/]+)/clip\.mp4)", [proxy, own_ranges](const httplib::Request& req, httplib::Response& res) {
    own_ranges(req);
    proxy->event_clip(req, res);
  });
  svr.Get(R"(/api/events/([^/]+)/preview\.gif)",
          [proxy](const httplib::Request& req, httplib::Response& res) { proxy->event_preview(req, res); });
  svr.Get(R"(/api/review/([^/]+)/preview)", [proxy, own_ranges](const httplib::Request& req, httplib::Response& res) {
    own_ranges(req);
    proxy->review_preview(req, res);
  });
  svr.Get(R"(/api/([^/]+)/start/([^/]*)/end/([^/]*)/clip\.mp4)",
          [proxy, own_ranges](const httplib::Request& req, httplib::Response& res) {
            own_ranges(req);
            proxy->range_clip_route(req, res);
          });
}

}  // namespace vigil
