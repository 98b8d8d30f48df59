#include "app/app.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "api/auth_service.h"
#include "api/http_server.h"
#include "api/static_routes.h"
#include "api/tls_context.h"
#include "app/hanging_detector.h"
#include "app/metrics_doc.h"
#include "app/stats.h"
#include "app/storage_json.h"
#include "camera/camera.h"
#include "detect/detector_pool.h"
#include "events/event_store.h"
#include "mqtt/mqtt_service.h"
#include "restream/rtsp_restream.h"
#include "review/review_store.h"
#include "storage/clip_cache.h"
#include "storage/event_db.h"
#include "storage/export_maker.h"
#include "storage/recorder.h"
#include "storage/recording_roots.h"
#include "storage/retention.h"
#include "storage/storage_accounting.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metric_families.h"

namespace vigil {
namespace {

bool make_media_dirs(const Config& cfg, spdlog::logger& log) {
  namespace fs = std::filesystem;
  for (const char* sub : {"clips", "recordings", "cache"}) {
    fs::path p = fs::path(cfg.media_dir) / sub;
    std::error_code ec;
    fs::create_directories(p, ec);
    if (ec || access(p.c_str(), W_OK) != 0) {
      log.critical("media folder {} is not writable: {}", p.string(), ec ? ec.message() : "permission denied");
      return false;
    }
  }
  return true;
}

}  // namespace

int run_vigil(const Config& cfg) {
  auto log = logger("vigil.app");
  log->info("vigil {} starting with {} camera(s)", VIGIL_VERSION, cfg.cameras.size());
  if (!make_media_dirs(cfg, *log)) return 1;

  // Signals are handled by sigwait below; every thread inherits the blocked mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Detectors first: a model that cannot be loaded stops start-up with its name.
  std::unique_ptr<DetectorPool> pool;
  try {
    DetectorPool::Factory make;
    if (std::optional<int> n = test_detector_hang_after()) {
      log->warn("test hook VIGIL_TEST_DETECTOR_HANGS_AFTER: detectors hang after {} inferences", *n);
      make = hanging_detector_factory(cfg, *n);
    }
    pool = std::make_unique<DetectorPool>(cfg, SystemClock::instance(), std::move(make));
  } catch (const std::exception& e) {
    log->critical("{}", e.what());
    return 1;
  }
  pool->start();

  // The event database and the events thread; events a crash left open are finished
  // before any camera starts.
  std::unique_ptr<EventDb> db;
  try {
    db = std::make_unique<EventDb>(cfg.database_path);
  } catch (const std::exception& e) {
    log->critical("{}", e.what());
    return 1;
  }
  recover_partial_recordings(cfg.media_dir + "/recordings");  // what a crash left being written
  EventStore events(cfg, *db);
  // One clip cache per camera with a `clips` input (storage.md §4.1), indexed (and what
  // a crash left salvaged) before recovery cuts the clips of events left open.
  std::map<std::string, std::shared_ptr<ClipCache>> caches;
  for (const CameraConfig& cc : cfg.cameras) {
    if (std::none_of(cc.inputs.begin(), cc.inputs.end(), [](const InputConfig& in) { return in.has_role("clips"); }))
      continue;
    auto cache = std::make_shared<ClipCache>(cc.name, cfg.media_dir + "/cache");
    cache->load_existing();
    events.add_clip_cache(cache);
    caches[cc.name] = std::move(cache);
  }
  // Retention (storage.md §8) every 5 min and the free-space floor (§9) every 10 s and
  // before each new recording segment or clip.
  // Free space from statvfs, or from the test hook VIGIL_TEST_FS_CAPACITY_MB (free_space.h).
  const FreeSpaceFn free_space =
      free_space_probe({cfg.media_dir, std::filesystem::path(cfg.database_path).parent_path().string()});
  if (recording_segment_test_hook())
    log->warn("test hook VIGIL_TEST_RECORD_SEGMENT_SECONDS: recording segments of {:.0f} s",
              recording_segment_seconds());
  if (test_fs_capacity())
    log->warn("test hook VIGIL_TEST_FS_CAPACITY_MB: free space = {:.0f} MB minus the media folder's files",
              double(*test_fs_capacity()) / 1e6);
  // Exports (issue 13): cut on their own thread from the recordings, kept until deleted.
  ExportMaker exports(*db, cfg.media_dir, RecordingRoots::of(cfg));
  Retention retention(cfg, *db, SystemClock::instance(), free_space);
  retention.set_open_clips([&events] { return events.clip_bytes_owed(); },
                           [&events](uint64_t budget) { events.cut_open_clips(budget); });
  // Budgets and expiry keep what events in progress, pending clips and exports need.
  retention.set_recording_holds([&events, &exports] {
    std::map<std::string, double> holds = events.recording_holds();
    for (const auto& [camera, from] : exports.recording_holds()) {
      auto [it, fresh] = holds.emplace(camera, from);
      if (!fresh) it->second = std::min(it->second, from);
    }
    return holds;
  });
  // The writers' gate is a pure read: it has the retention thread check the floor soon
  // (only that thread deletes) and answers from the last check.
  auto may_write = [&retention] { return retention.may_write(); };
  events.set_write_gate(may_write);
  for (auto& [name, cache] : caches) cache->set_write_gate(may_write);
  events.recover();
  events.start();
  retention.start();
  exports.start();
  // Review segments (ha-current.md §7): rows and thumbnails on their own thread; the
  // segments a crash left open are closed before any camera starts.
  const std::string review_thumbs = cfg.media_dir + "/clips/review";
  ReviewStore reviews(*db, review_thumbs);
  reviews.start();

  const double started = SystemClock::instance().mono();
  std::vector<std::unique_ptr<Camera>> cameras;
  std::vector<Camera*> camera_ptrs;
  ApiSources api;
  api.config = &cfg;
  api.events_db = db.get();
  api.events = &events;
  api.exports = &exports;
  api.clip_caches = caches;  // events in progress: clip.mp4 and preview.gif from the cache
  api.web_dir = default_web_dir();
  if (access((api.web_dir + "/index.html").c_str(), R_OK) == 0)
    log->info("web UI from {}", api.web_dir);
  else
    log->warn("web UI not found in {} (run `make`, or set VIGIL_WEB_DIR); / answers 404", api.web_dir);
  // The RTSP restream (vigil-only `rtsp_restream`): its port is checked before any
  // camera runs, like the API's.
  std::unique_ptr<RtspRestream> rtsp;
  if (cfg.rtsp_restream.enabled) {
    rtsp = std::make_unique<RtspRestream>(cfg.rtsp_restream.host, cfg.rtsp_restream.port);
    if (Status s = rtsp->bind(); !s) {
      log->critical("rtsp_restream.port {}: cannot listen on {}: {}", cfg.rtsp_restream.port, cfg.rtsp_restream.host,
                    s.why());
      return 1;
    }
  }
  SwitchesMap switches;
  for (const CameraConfig& cc : cfg.cameras) {
    cameras.push_back(std::make_unique<Camera>(cc, pool.get()));
    cameras.back()->enable_stream_copy(cfg.media_dir + "/recordings", caches.count(cc.name) ? caches[cc.name] : nullptr,
                                       may_write, [&retention](const std::string& path, double start, double end) {
                                         retention.segment_completed(path, start, end);
                                       });
    cameras.back()->enable_restream(cfg.rtmp_url);
    if (rtsp) cameras.back()->enable_rtsp_restream(*rtsp);
    switches[cc.name] = cameras.back()->switches();
    camera_ptrs.push_back(cameras.back().get());
    api.cameras[cc.name] = cameras.back().get();
  }
  events.set_switches(switches);
  const std::string config_doc = config_to_api_json(cfg);
  api.switches = switches;
  api.config_json = [config_doc, switches] { return config_json_with_switches(config_doc, switches); };
  DetectorPool* p = pool.get();
  std::atomic<uint64_t> rejected_ingress{0};  // outlives the HTTP server and MQTT
  api.rejected_ingress_headers = &rejected_ingress;
  HttpCounters http_counters;  // outlives the HTTP server and MQTT
  api.http_counters = &http_counters;
  auto recordings_storage = [&cfg, &retention, free_space] {
    return recordings_storage_json(cfg, retention, free_space, SystemClock::instance().wall());
  };
  api.recordings_storage_json = [recordings_storage] { return recordings_storage().dump(); };
  const StorageFloorView floor_view{
      free_space, [&retention](const std::string& path) { return retention.below_floor(path); }, recordings_storage,
      [&cfg, &retention] { return storage_tiers_json(cfg, retention); }};
  // MQTT (optional): counts, snapshots, events, stats, switches (mqtt.md). Declared
  // before the stats, which show its connection; made after them (it publishes them).
  std::unique_ptr<MqttService> mqtt;
  // What /api/stats `service` and /api/metrics show of the counters kept elsewhere.
  auto service_counters = [&rejected_ingress, &http_counters, &events, &mqtt] {
    ServiceCounters c;
    c.rejected_ingress_headers = rejected_ingress.load();
    c.http_rejected_connections = http_counters.rejected_connections.load();
    c.http_refused_requests = http_counters.refused_requests.load();
    c.http_open_connections = http_counters.open_connections.load();
    const EventStore::Health eh = events.health();
    c.snapshot_failures = eh.snapshot_failures;
    c.clip_failures = eh.clip_failures;
    c.event_rows_waiting = eh.rows_waiting;
    if (mqtt) {
      const MqttService::Health mh = mqtt->health();
      c.mqtt_enabled = true;
      c.mqtt_connected = mh.connected;
      c.mqtt_failed_attempts = mh.failed_attempts;
      c.mqtt_dropped_messages = mh.dropped;
    }
    return c;
  };
  auto stats = [&cfg, camera_ptrs, p, started, floor_view, service_counters] {
    return stats_json(cfg, camera_ptrs, p->stats(), SystemClock::instance().mono() - started, service_counters(),
                      floor_view);
  };
  api.stats_json = stats;
  // /api/metrics (docs/metrics.md): the stats' sources, read at each scrape, then what
  // the stages count in process_metrics() (every family shown from the start).
  std::vector<std::string> camera_names;
  for (const CameraConfig& cc : cfg.cameras) camera_names.push_back(cc.name);
  register_metric_families(camera_names);
  auto folder_bytes = std::make_shared<MediaFolderBytes>(cfg.media_dir, [&cfg, &retention, free_space] {
    uint64_t total = 0;
    for (const CameraAccount& a :
         account_cameras(retention, cfg, free_space(cfg.media_dir + "/recordings"), SystemClock::instance().wall()))
      total += a.bytes;
    return total;
  });
  api.metrics_text = [&cfg, camera_ptrs, p, started, service_counters, floor_view, &events, folder_bytes] {
    MetricsInputs in;
    in.cfg = &cfg;
    in.cameras = camera_ptrs;
    in.detectors = p->stats();
    in.detector_queue = p->queued();
    in.uptime_seconds = SystemClock::instance().mono() - started;
    in.counters = service_counters();
    in.floor = floor_view;
    in.open_events = events.open_events();
    in.folder_bytes = folder_bytes->get(SystemClock::instance().mono());
    return metrics_document(in, process_metrics());
  };

  if (cfg.mqtt.enabled) {
    mqtt = std::make_unique<MqttService>(cfg, switches, stats);
    mqtt->set_recovered_ends(events.take_recovered_ends());
  }
  for (auto& cam : cameras) {
    MqttService* m = mqtt.get();
    cam->set_event_sink([&events, m](std::vector<EventMessage> msgs) {
      if (m) m->on_events(msgs);
      events.post(std::move(msgs));
    });
    if (m) cam->set_summary_observer([m, name = cam->name()](const FrameSummary& s) { m->on_frame(name, s); });
    cam->set_review_sink(review_thumbs, [&reviews, m](std::vector<ReviewMessage> msgs) {
      if (m) m->on_reviews(msgs);
      reviews.submit(std::move(msgs));
    });
    cam->set_activity_sink([&reviews](ActivityBucket b) { reviews.submit_activity(std::move(b)); });
  }
  if (mqtt) mqtt->start();

  // One HTTP server per listener, each with its API profile, all on the same cameras,
  // event store and stats.
  // With auth.enabled, one more: the 0.14 profile behind a login (docs/auth.md). The
  // users and the token service outlive every server (declared first).
  std::unique_ptr<UserDb> user_db;
  std::unique_ptr<AuthService> auth;
  std::vector<std::unique_ptr<HttpServer>> http;
  for (const ApiListener& l : cfg.api_listeners) {
    ApiSources s = api;
    s.profile = l.profile;
    http.push_back(std::make_unique<HttpServer>(std::move(s)));
    if (!http.back()->bind(l.host, l.port)) return 1;
  }
  if (cfg.auth.enabled) {
    try {
      user_db = std::make_unique<UserDb>(cfg.database_path);
      AuthOptions o;
      o.secure_cookie = !cfg.auth.tls_cert.empty();
      auth = std::make_unique<AuthService>(*user_db, load_jwt_secret(cfg.database_path), SystemClock::instance(), o);
      if (user_db->all().empty())
        log->warn("auth: no user can log in yet; add one with `vigil user add NAME --role admin`");
    } catch (const std::exception& e) {
      log->error("auth: {}", e.what());
      return 1;
    }
    ApiSources s = api;
    s.profile = "0.14";
    s.auth = auth.get();
    if (!cfg.auth.tls_cert.empty()) {
      try {
        s.tls = std::make_shared<const TlsContext>(cfg.auth.tls_cert, cfg.auth.tls_key);
      } catch (const std::exception& e) {
        log->error("{}", e.what());  // names auth.tls.cert or auth.tls.key, with OpenSSL's reason
        return 1;
      }
    }
    http.push_back(std::make_unique<HttpServer>(std::move(s)));
    if (!http.back()->bind(cfg.auth.host, cfg.auth.port)) return 1;
  }
  for (auto& h : http) h->start();
  if (rtsp) rtsp->start();
  for (auto& c : cameras) c->start();

  int sig = 0;
  sigwait(&sigs, &sig);
  log->info("signal {} received; stopping", sig);
  for (auto& h : http) h->stop();
  // Detection first: a camera waiting for an inference gets its answer (none) at once.
  const std::vector<std::string> stuck = pool->stop();
  for (auto& c : cameras) c->stop();  // ends open events
  if (rtsp) rtsp->stop();             // its readers and pipelines (no capture feeds it now)
  if (mqtt) mqtt->stop();             // sends the cameras' last messages, then `offline`
  events.stop();                      // writes everything queued
  reviews.stop();                     // likewise (the cameras ended their segments)
  exports.stop();                     // the export being cut stops; its temporary goes
  retention.stop();
  if (!stuck.empty()) {
    // Everything is written and stopped; only an inference that nothing can interrupt
    // is left. Exit around it rather than wait for it (or destroy what it uses).
    std::string names;  // a detector replaced by the watchdog may be stuck more than once
    for (const std::string& n : std::set<std::string>(stuck.begin(), stuck.end()))
      names += (names.empty() ? "" : ", ") + n;
    log->error("detector {} still inside an inference after {:.0f} s; exiting without waiting for it", names,
               DetectorPool::kStopGrace);
    db.reset();  // closes the database
    log->info("stopped");
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
    std::_Exit(0);
  }
  log->info("stopped");
  return 0;
}

}  // namespace vigil
