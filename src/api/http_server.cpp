#include "api/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/auth_routes.h"
#include "api/connection_stream.h"
#include "api/connections.h"
#include "api/event_routes.h"
#include "api/export_routes.h"
#include "api/jpeg_cache.h"
#include "api/json_error.h"
#include "api/live_routes.h"
#include "api/media_proxy_routes.h"
#include "api/media_routes.h"
#include "api/metrics_routes.h"
#include "api/mjpeg_pacer.h"
#include "api/params.h"
#include "api/profile14_routes.h"
#include "api/review_routes.h"
#include "api/static_routes.h"
#include "api/storage_routes.h"
#include "api/vod_routes.h"
#include "camera/camera.h"
#include "render/render.h"
#include "storage/recording_roots.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/printable.h"
#include "util/thread_priority.h"
#include "util/worker.h"

namespace vigil {
namespace {

constexpr const char* kHealth = "Frigate is running. Alive and healthy!";
constexpr const char* kText = "text/plain; charset=utf-8";

void text(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kText);
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// The methods whose body httplib 0.11 reads itself (httplib's expect_content).
bool body_read_by_httplib(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" || method == "PRI";
}

// Reads and drops `n` body bytes of the request on this thread's connection (within the
// stream's body limits and read timeout); false when they do not all arrive.
bool drain_body(long long n) {
  ConnectionStream* conn = ConnectionStream::current();
  if (!conn) return false;
  char buf[4096];
  while (n > 0) {
    const ssize_t got = conn->read(buf, size_t(std::min<long long>(n, sizeof buf)));
    if (got <= 0) return false;
    n -= got;
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  Impl(ApiSources sources, const Clock& clock)
      : src(std::move(sources)),
        counters(src.http_counters ? *src.http_counters : own_counters),
        clock(clock),
        listener(clock),
        connections(svr, clock, HttpLimits{}, counters) {}
  ApiSources src;
  HttpCounters own_counters;  // used when the caller gives none
  HttpCounters& counters;     // src.http_counters or own_counters
  ConnectionServer svr;
  const Clock& clock;                                       // MJPEG pacing, "now" of /vod/ events in progress
  Worker listener;                                          // the listen thread; its stop wakes every MJPEG pacer
  std::atomic<bool> listen_returned{false};                 // the listen thread's listen_after_bind() returned
  Connections connections;                                  // idle connections, connection threads, the cap
  std::map<std::string, std::unique_ptr<JpegCache>> jpegs;  // per camera, fixed at start
  std::shared_ptr<spdlog::logger> log = logger("vigil.http");
  std::unique_ptr<Profile14State> profile14 = std::make_unique<Profile14State>();  // 0.14 profile's own state

  Camera* camera_or_404(const std::string& name, httplib::Response& res) {
    auto it = src.cameras.find(name);
    if (it == src.cameras.end()) {
      text(res, 404, "Camera named " + name + " not found");
      return nullptr;
    }
    return it->second;
  }

  static RenderOptions overlay_flags(const httplib::Request& req) {
    RenderOptions o;
    o.bbox = flag_param(req, "bbox");
    o.timestamp = flag_param(req, "timestamp");
    o.zones = flag_param(req, "zones");
    o.mask = flag_param(req, "mask");
    o.motion = flag_param(req, "motion");
    o.regions = flag_param(req, "regions");
    return o;
  }

  JpegPtr live_jpeg(Camera* cam, const RenderOptions& opt) {
    ProcessedFramePtr pf = cam->latest();
    return jpegs.at(cam->name())->get(opt.key(), pf->frame->seq, [&] { return render_jpeg(*pf, cam->config(), opt); });
  }

  void routes();
  void mjpeg(Camera* cam, const httplib::Request& req, httplib::Response& res);
};

void HttpServer::Impl::routes() {
  svr.set_connections(&connections);
  svr.new_task_queue = [this] { return new Connections::Queue(connections); };
  svr.set_keep_alive_timeout(65);
  svr.set_read_timeout(30);
  svr.set_write_timeout(10);
  svr.set_payload_max_length(HttpLimits{}.body_bytes);
  // What httplib itself refuses before any route (a request line it cannot parse, a bad
  // Range header, a body over the limit) gets a JSON error too; after a request that
  // could not be parsed the connection closes (what follows cannot be trusted).
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty() || res.has_header("Content-Type") || res.content_provider_)
      return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    switch (res.status) {
      case 400:
        message = "malformed request";
        break;
      case 413:
        message = "request body too large";
        break;
      case 414:
        message = "request line too long";
        break;
      case 416:
        message = "invalid Range header";
        break;
      default:
        return httplib::Server::HandlerResponse::Unhandled;
    }
    if (res.status != 416) close_connection_after_response();
    json_error(res, res.status, message);
    return httplib::Server::HandlerResponse::Handled;
  }));
  // A declared body over the limit is refused before httplib would read (and discard)
  // all of it; the connection then closes.
  // The 0.14 profile also reads and drops the body of a GET/HEAD/OPTIONS (ha-current.md
  // §2.1: aiohttp sends `{}` with every GET, often in a second write), which httplib
  // leaves unread and would parse as the next request.
  const bool drain_get_bodies = src.profile == "0.14";
  auto length_check = [drain_get_bodies](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Content-Length")) return httplib::Server::HandlerResponse::Unhandled;
    const std::string v = req.get_header_value("Content-Length");
    long long n = -1;
    if (!parse_int(v, &n) || n < 0) {
      json_error(res, 400, "invalid Content-Length");
    } else if (uint64_t(n) > HttpLimits{}.body_bytes) {
      json_error(res, 413, "request body over " + std::to_string(HttpLimits{}.body_bytes) + " bytes");
    } else if (drain_get_bodies && n > 0 && !body_read_by_httplib(req.method) && !drain_body(n)) {
      json_error(res, 400, "request body not received");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    close_connection_after_response();
    return httplib::Server::HandlerResponse::Handled;
  };
  // On the authenticated listener, the one gate in front of every route (after the
  // length checks, so a refused request's body is never read; its connection closes).
  svr.set_pre_routing_handler([length_check, auth = src.auth](const httplib::Request& req, httplib::Response& res) {
    if (length_check(req, res) == httplib::Server::HandlerResponse::Handled)
      return httplib::Server::HandlerResponse::Handled;
    if (auth && auth_refuses(*auth, req, res)) {
      if (req.has_header("Content-Length")) close_connection_after_response();
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Headers every /api response carries, errors included (http-api.md §1.3).
  svr.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (starts_with(req.path, "/api")) {
      res.set_header("Access-Control-Allow-Origin", "*");
      res.set_header("Cache-Control", "no-store");
    }
    count_http_request(req, res);  // vigil_http_requests_total (docs/metrics.md)
  });
  svr.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const BadParam& e) {
      json_error(res, 400, e.what());
    } catch (const std::exception& e) {
      log->error("{} {}: {}", printable(req.method), printable(req.path, 200), printable(e.what()));
      json_error(res, 500, std::string("internal error: ") + e.what());
    } catch (...) {
      json_error(res, 500, "internal error");
    }
  });

  if (src.auth) {
    add_auth_routes(svr, *src.auth);
  } else {
    // Without authentication, as Frigate 0.14's unauthenticated port: everyone is
    // "anonymous", an admin where writes are served (0.14), a viewer on the read-only 0.8.
    const std::string role = src.profile == "0.14" ? "admin" : "viewer";
    svr.Get("/api/profile", [role](const httplib::Request&, httplib::Response& res) {
      res.set_content(nlohmann::json({{"username", "anonymous"}, {"role", role}}).dump() + "\n", "application/json");
    });
  }
  // Prometheus metrics on every listener, before any /api/<camera> route.
  add_metrics_routes(svr, src.metrics_text);
  // The 0.14 profile's routes first: they shadow the 0.8 ones of the same path.
  if (src.profile == "0.14") {
    add_profile14_routes(svr, src, *profile14);
    if (src.events_db) add_review_routes(svr, *src.events_db, clock);
  }
  add_recordings_routes(svr, src);  // vigil-only on 0.8: the web UI's timeline reads them
  svr.Get("/api", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/api/", 301); });
  svr.Get("/api/", [](const httplib::Request&, httplib::Response& res) { text(res, 200, kHealth); });
  svr.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
    text(res, 200, std::string("0.8.4-vigil-") + VIGIL_VERSION);
  });
  svr.Get("/api/config", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(src.config_json() + "\n", "application/json");
  });
  svr.Get("/api/stats", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(src.stats_json() + "\n", "application/json");
  });
  add_storage_routes(svr, src.recordings_storage_json);
  // Exports on every listener (made, renamed and deleted on 0.8 too: vigil-only there, for
  // the web UI's timeline); the authentication gate refuses the writes to viewers.
  if (src.events_db && src.exports) add_export_routes(svr, *src.config, *src.events_db, *src.exports);
  {
    std::vector<std::string> archive = RecordingRoots::of(*src.config).all();  // storage tiers (issue 20)
    archive.erase(archive.begin());
    add_media_routes(svr, src.config->media_dir, src.config->database_path, archive);
  }
  if (src.events_db && src.events) add_event_routes(svr, *src.config, *src.events_db, *src.events);
  add_vod_routes(svr, *src.config, src.events_db, src.events, clock);
  add_media_proxy_routes(svr, src, clock);  // event clip.mp4 / preview.gif, recording clip.mp4
  add_live_routes(svr, src, listener);      // /live/<camera>.mp4
  svr.Get(R"(/api/([^/]+)/latest\.jpg)", [this](const httplib::Request& req, httplib::Response& res) {
    Camera* cam = camera_or_404(req.matches[1], res);
    if (!cam) return;
    RenderOptions opt = overlay_flags(req);
    opt.height = int(int_param(req, "h", 1, 4096).value_or(0));
    opt.area_interpolation = true;
    res.set_content(*live_jpeg(cam, opt), "image/jpeg");
  });
  svr.Get(R"(/api/([^/]+)/([^/]+)/best\.jpg)", [this](const httplib::Request& req, httplib::Response& res) {
    Camera* cam = camera_or_404(req.matches[1], res);
    if (!cam) return;
    auto h = int_param(req, "h", 1, 4096);
    bool crop = flag_param(req, "crop");
    if (auto best = cam->best(req.matches[2])) {
      res.set_content(render_best(*best, cam->config(), crop, int(h.value_or(0))), "image/jpeg");
      return;
    }
    // No best image: a black 1280×720 picture, or its 330×330 top-left crop, resized
    // to h (http-api.md §3.3).
    int w0 = crop ? 330 : 1280, h0 = crop ? 330 : 720;
    int hh = int(h.value_or(h0));
    res.set_content(black_jpeg(std::max(1, int(int64_t(hh) * w0 / h0)), hh), "image/jpeg");
  });
  svr.Get(R"(/api/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    Camera* cam = camera_or_404(req.matches[1], res);
    if (cam) mjpeg(cam, req, res);
  });
  svr.Get(R"(/api/.*)", [](const httplib::Request&, httplib::Response& res) { text(res, 404, "Not Found"); });
  // last: everything else is the web UI
  if (!src.web_dir.empty()) add_static_routes(svr, src.web_dir, src.rejected_ingress_headers);

  svr.Options(R"(.*)", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 204;
    if (starts_with(req.path, "/api")) {
      res.set_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
      if (req.has_header("Access-Control-Request-Headers"))
        res.set_header("Access-Control-Allow-Headers", req.get_header_value("Access-Control-Request-Headers"));
    } else if (is_media_path(req.path)) {
      // As the media responses: any origin, never an echoed one, never credentials.
      res.set_header("Access-Control-Allow-Origin", "*");
      res.set_header("Content-Type", "text/plain charset=UTF-8");
    }
    res.set_header("Access-Control-Max-Age", "1728000");
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "GET, HEAD, OPTIONS");
    text(res, 405, "Method Not Allowed");
  };
  svr.Post(R"(.*)", not_allowed);
  svr.Put(R"(.*)", not_allowed);
  svr.Delete(R"(.*)", not_allowed);
  svr.Patch(R"(.*)", not_allowed);
}

// MJPEG stream (http-api.md §3.1): first part at once, then one per 1/fps seconds,
// always the latest frame; a viewer that falls behind skips frames, never queues them.
void HttpServer::Impl::mjpeg(Camera* cam, const httplib::Request& req, httplib::Response& res) {
  double fps = number_param(req, "fps").value_or(3.0);
  if (!(fps > 0 && fps <= 30)) throw BadParam("fps: must be greater than 0 and at most 30");
  RenderOptions opt = overlay_flags(req);
  opt.height = int(int_param(req, "h", 1, 4096).value_or(360));
  // This connection's thread (it ends with the stream) serves live view: under CPU
  // overload it gives way to capture and recording, not to detection (§Overload).
  lower_this_thread(ShedClass::kLiveView);
  // The viewer leaving is noticed between parts (its socket hangs up), so a stream at a
  // low fps does not hold its thread until its next part is due.
  std::function<bool()> gone;
  if (ConnectionStream* conn = ConnectionStream::current()) gone = [fd = conn->socket()] { return peer_closed(fd); };
  auto pacer = std::make_shared<MjpegPacer>(listener, 1.0 / fps, std::move(gone));
  res.set_content_provider(
      "multipart/x-mixed-replace; boundary=frame", [this, cam, opt, pacer](size_t, httplib::DataSink& sink) {
        if (!pacer->wait()) return false;  // the server stops
        // The whole part (boundary, headers, JPEG) is built once per frame and variant and
        // sent with one write.
        static const std::string head = "--frame\r\nContent-Type: image/jpeg\r\n\r\n";
        ProcessedFramePtr pf = cam->latest();
        JpegCache& cache = *jpegs.at(cam->name());
        JpegPtr part;
        if (pf->frame->seq == 0) {  // no frame yet: black, h high, 16:9
          part = cache.get("mjpeg-black:" + std::to_string(opt.height), 0, [&] {
            return head + black_jpeg(std::max(1, opt.height * 16 / 9), opt.height) + "\r\n\r\n";
          });
        } else {
          part = cache.get("mjpeg:" + opt.key(), pf->frame->seq,
                           [&] { return head + render_jpeg(*pf, cam->config(), opt) + "\r\n\r\n"; });
        }
        return sink.write(part->data(), part->size());
      });
}

HttpServer::HttpServer(ApiSources sources, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(sources), clock)) {
  for (const auto& [name, cam] : impl_->src.cameras) impl_->jpegs[name] = std::make_unique<JpegCache>();
  impl_->routes();
}

HttpServer::~HttpServer() { stop(); }

const std::vector<std::pair<std::string, std::string>>& HttpServer::route_patterns() const {
  return impl_->svr.route_patterns();
}

bool HttpServer::bind(const std::string& host, int port) {
  if (!impl_->svr.bind_to_port(host.c_str(), port)) {
    impl_->log->error("cannot listen on {}:{} (port in use or not permitted)", host, port);
    return false;
  }
  if (const int err = impl_->svr.widen_backlog(1024))
    impl_->log->warn("listen backlog stays at httplib's 5: {}", std::strerror(err));
  impl_->log->info("API ({} profile) listening on {}:{}{}", impl_->src.profile, host, port,
                   impl_->src.tls ? " (TLS)" : "");
  return true;
}

void HttpServer::start() {
  if (impl_->src.tls) impl_->connections.set_tls(impl_->src.tls);
  impl_->connections.start();
  impl_->listener.start([this] {
    impl_->svr.listen_after_bind();
    impl_->listen_returned = true;
  });
  // httplib's stop() closes the listening socket only once the server runs: until the
  // listen thread gets there (microseconds), a stop() would leave it in accept() for
  // ever (a test's quick teardown hung so). Wait for it.
  while (!impl_->svr.is_running() && !impl_->listen_returned) std::this_thread::yield();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->svr.stop();               // no new connections
  impl_->connections.close_all();  // idle ones closed, busy ones shut down
  impl_->listener.stop();          // wakes the MJPEG pacers (their threads end), joins the listen thread
  impl_->connections.stop();       // every connection thread joined (the listen thread did it if it ran)
}

}  // namespace vigil
