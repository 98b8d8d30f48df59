#include "api/http_server.h"

#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "api/event_routes.h"
#include "api/jpeg_cache.h"
#include "api/media_routes.h"
#include "api/mjpeg_pacer.h"
#include "api/params.h"
#include "api/static_routes.h"
#include "camera/camera.h"
#include "render/render.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/printable.h"
#include "util/worker.h"

namespace vigil {
namespace {

constexpr const char* kHealth = "Frigate is running. Alive and healthy!";
constexpr const char* kText = "text/plain; charset=utf-8";

// One thread per connection, at most kMaxConnections at once; further connections
// wait in the listen backlog until one ends. Idle keep-alive connections close after
// 65 s, so the cap cannot be held forever. Every thread is joined: a finished one by the
// next enqueue, the rest by shutdown(), which the listen thread calls once stop() has
// closed the server (and shut the open connections down), so none outlives the server.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  static constexpr int kMaxConnections = 512;
  void enqueue(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return int(threads_.size() - finished_.size()) < kMaxConnections; });
    reap(lock);
    const uint64_t id = next_id_++;
    threads_.emplace(id, std::thread([this, id, fn = std::move(fn)] {
                       fn();
                       std::lock_guard l(mu_);
                       finished_.push_back(id);
                       cv_.notify_all();
                     }));
  }
  void shutdown() override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return finished_.size() == threads_.size(); });
    reap(lock);
  }

 private:
  // Joins the threads that have finished (they only have their last unlock left).
  void reap(std::unique_lock<std::mutex>& lock) {
    std::vector<std::thread> done;
    for (uint64_t id : finished_) {
      done.push_back(std::move(threads_.at(id)));
      threads_.erase(id);
    }
    finished_.clear();
    lock.unlock();
    for (std::thread& t : done) t.join();
    lock.lock();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::thread> threads_;  // every connection thread not yet joined
  std::vector<uint64_t> finished_;           // ids in threads_ whose function returned
};

// Shuts down every connection this process accepted on local TCP `port`, so threads
// blocked reading a slow request or writing to a viewer that stopped reading return at
// once. httplib 0.11 does not hand out its connection sockets, so they are found among
// the process's descriptors (connected sockets whose local port is ours).
void shutdown_connections_on(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;  // not a socket
    int local = -1;
    if (ss.ss_family == AF_INET) local = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) local = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    int listening = 1;
    socklen_t l = sizeof listening;
    if (local != port || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) != 0 || listening) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

void json_error(httplib::Response& res, int status, const std::string& message) {
  nlohmann::json j = {{"success", false}, {"message", message}};
  res.status = status;
  res.set_content(j.dump(-1, ' ', true) + "\n", "application/json");
}

void text(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kText);
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

}  // namespace

struct HttpServer::Impl {
  explicit Impl(const Clock& clock) : listener(clock) {}
  ApiSources src;
  httplib::Server svr;
  int port = 0;                                             // bound port; set by bind() before start()
  Worker listener;                                          // the listen thread; its stop wakes every MJPEG pacer
  std::map<std::string, std::unique_ptr<JpegCache>> jpegs;  // per camera, fixed at start
  std::shared_ptr<spdlog::logger> log = logger("vigil.http");

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
  svr.new_task_queue = [] { return new ConnectionThreads(); };
  svr.set_keep_alive_timeout(65);
  svr.set_read_timeout(30);
  svr.set_write_timeout(10);

  // Headers every /api response carries, errors included (http-api.md §1.3).
  svr.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (starts_with(req.path, "/api")) {
      res.set_header("Access-Control-Allow-Origin", "*");
      res.set_header("Cache-Control", "no-store");
    }
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
  add_media_routes(svr, src.config->media_dir, src.config->database_path);
  if (src.events_db && src.events) add_event_routes(svr, *src.config, *src.events_db, *src.events);
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
  auto pacer = std::make_shared<MjpegPacer>(listener, 1.0 / fps);
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

HttpServer::HttpServer(ApiSources sources, const Clock& clock) : impl_(std::make_unique<Impl>(clock)) {
  impl_->src = std::move(sources);
  for (const auto& [name, cam] : impl_->src.cameras) impl_->jpegs[name] = std::make_unique<JpegCache>();
  impl_->routes();
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::bind(const std::string& host, int port) {
  if (!impl_->svr.bind_to_port(host.c_str(), port)) {
    impl_->log->error("cannot listen on {}:{} (port in use or not permitted)", host, port);
    return false;
  }
  impl_->port = port;
  impl_->log->info("API listening on {}:{}", host, port);
  return true;
}

void HttpServer::start() {
  impl_->listener.start([this] { impl_->svr.listen_after_bind(); });
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->svr.stop();  // no new connections; the listen thread then joins every connection thread
  if (impl_->port) shutdown_connections_on(impl_->port);
  impl_->listener.stop();  // wakes the MJPEG pacers (their threads end), joins the listen thread
}

}  // namespace vigil
