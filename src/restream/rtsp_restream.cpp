#include "restream/rtsp_restream.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <condition_variable>

#include "restream/rtsp_feed.h"
#include "util/worker.h"

namespace vigil {
namespace {

// h264parse repeats SPS/PPS before every IDR: a reader that joins a running pipeline
// decodes from the next keyframe. The payloader's SDP carries them too.
constexpr const char* kLaunch = "( appsrc name=src ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )";
constexpr double kStopGrace = 3;              // s stop() waits for the pipelines to be released
constexpr double kSessionCleanupSeconds = 2;  // UDP sessions whose reader vanished expire (60 s timeout)

void init_gstreamer() {
  static std::once_flag once;  // gst_init once per process, whoever asks first
  std::call_once(once, [] { gst_init(nullptr, nullptr); });
}

}  // namespace
}  // namespace vigil

// A media factory that makes no pipeline while its camera cannot feed one (a reader that
// got past on_pre_request just before the input went: 400).
G_BEGIN_DECLS
#define VIGIL_TYPE_MEDIA_FACTORY (vigil_media_factory_get_type())
G_DECLARE_FINAL_TYPE(VigilMediaFactory, vigil_media_factory, VIGIL, MEDIA_FACTORY, GstRTSPMediaFactory)
G_END_DECLS

struct _VigilMediaFactory {
  GstRTSPMediaFactory parent;
  vigil::RtspFeed* feed;  // owned by the RtspRestream, which outlives its server
};

G_DEFINE_TYPE(VigilMediaFactory, vigil_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

static GstElement* vigil_media_factory_create_element(GstRTSPMediaFactory* factory, const GstRTSPUrl* url) {
  if (!VIGIL_MEDIA_FACTORY(factory)->feed->ready()) return nullptr;
  return GST_RTSP_MEDIA_FACTORY_CLASS(vigil_media_factory_parent_class)->create_element(factory, url);
}

static void vigil_media_factory_class_init(VigilMediaFactoryClass* klass) {
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->create_element = vigil_media_factory_create_element;
}

static void vigil_media_factory_init(VigilMediaFactory* self) { self->feed = nullptr; }

namespace vigil {

struct RtspRestream::Impl {
  Impl(std::string h, int p, const Clock& c) : host(std::move(h)), port(p), clock(c), worker(c) {}

  // One made pipeline: released when its media is unprepared (or, if never, destroyed).
  struct Pipeline {
    Impl* impl;
    RtspFeed* feed;
    GstElement* appsrc;                 // identity only (the feed holds the reference)
    std::atomic<bool> released{false};  // unprepared, or its media destroyed, whichever first
  };
  static void on_client_connected(GstRTSPServer* server, GstRTSPClient* client, gpointer self);
  static GstRTSPStatusCode on_pre_request(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self);
  static void on_media_configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media, gpointer self);
  static void on_unprepared(GstRTSPMedia* media, gpointer pipeline);
  static void on_pipeline_gone(gpointer pipeline, GClosure*);
  static void release(Pipeline* p);

  const std::string host;
  const int port;
  const Clock& clock;
  std::vector<std::shared_ptr<RtspFeed>> feeds;  // one per mount; set before start()
  GMainContext* ctx = nullptr;                   // the server thread's context
  GMainLoop* loop = nullptr;
  GstRTSPServer* server = nullptr;
  GSource* listen = nullptr;      // accepts readers (attached to ctx)
  GSource* cleanup = nullptr;     // expires sessions of vanished UDP readers
  std::mutex mu;                  // with cv: stop() waits for the pipelines' release
  std::condition_variable cv;     // notified when a pipeline is released
  std::atomic<int> pipelines{0};  // made and not yet released
  Worker worker;                  // runs the main loop (last: stopped first)
};

// DESCRIBE and SETUP of a mount whose camera cannot feed a pipeline: 503 Service
// Unavailable (the factory's refusal alone would answer 400).
void RtspRestream::Impl::on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer self) {
  g_signal_connect(client, "pre-describe-request", G_CALLBACK(on_pre_request), self);
  g_signal_connect(client, "pre-setup-request", G_CALLBACK(on_pre_request), self);
}

GstRTSPStatusCode RtspRestream::Impl::on_pre_request(GstRTSPClient*, GstRTSPContext* ctx, gpointer self) {
  if (!ctx->uri || !ctx->uri->abspath) return GST_RTSP_STS_OK;
  const std::string path = ctx->uri->abspath;
  for (const auto& feed : static_cast<Impl*>(self)->feeds) {
    const std::string mount = "/" + feed->camera();
    if (path == mount || path.starts_with(mount + "/"))  // SETUP: /<camera>/stream=0
      return feed->ready() ? GST_RTSP_STS_OK : GST_RTSP_STS_SERVICE_UNAVAILABLE;
  }
  return GST_RTSP_STS_OK;  // not a mount: the server answers 404
}

void RtspRestream::Impl::on_media_configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media, gpointer self) {
  auto* impl = static_cast<Impl*>(self);
  RtspFeed* feed = VIGIL_MEDIA_FACTORY(factory)->feed;
  GstElement* bin = gst_rtsp_media_get_element(media);
  std::unique_ptr<GstElement, GstUnref> src(gst_bin_get_by_name_recurse_up(GST_BIN(bin), "src"));
  gst_object_unref(bin);
  if (!src) return;
  g_object_set(src.get(), "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "block", FALSE,
               "max-bytes", guint64(kMaxQueuedBytes), "stream-type", GST_APP_STREAM_TYPE_STREAM, nullptr);
  GstCaps* caps = gst_caps_from_string("video/x-h264, stream-format=byte-stream, alignment=au");
  gst_app_src_set_caps(GST_APP_SRC(src.get()), caps);
  gst_caps_unref(caps);
  auto* p = new Pipeline{impl, feed, src.get(), {}};
  g_signal_connect_data(media, "unprepared", G_CALLBACK(on_unprepared), p, on_pipeline_gone, GConnectFlags(0));
  ++impl->pipelines;
  feed->attach(src.get());
  logger("restream." + feed->camera())->debug("RTSP restream: pipeline made for its first reader");
}

void RtspRestream::Impl::release(Pipeline* p) {
  if (p->released.exchange(true)) return;
  p->feed->detach(p->appsrc);
  {
    std::lock_guard lock(p->impl->mu);
    --p->impl->pipelines;
  }
  p->impl->cv.notify_all();
  logger("restream." + p->feed->camera())->debug("RTSP restream: pipeline released (no reader left)");
}

void RtspRestream::Impl::on_unprepared(GstRTSPMedia*, gpointer pipeline) { release(static_cast<Pipeline*>(pipeline)); }

void RtspRestream::Impl::on_pipeline_gone(gpointer pipeline, GClosure*) {
  auto* p = static_cast<Pipeline*>(pipeline);
  release(p);
  delete p;
}

RtspRestream::RtspRestream(std::string host, int port, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(host), port, clock)) {
  init_gstreamer();
  impl_->ctx = g_main_context_new();
  impl_->loop = g_main_loop_new(impl_->ctx, FALSE);
  impl_->server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(impl_->server, impl_->host.c_str());
  gst_rtsp_server_set_service(impl_->server, std::to_string(port).c_str());
}

RtspRestream::~RtspRestream() {
  stop();
  Impl& m = *impl_;
  if (m.listen) {
    g_source_destroy(m.listen);
    g_source_unref(m.listen);
  }
  if (m.cleanup) {
    g_source_destroy(m.cleanup);
    g_source_unref(m.cleanup);
  }
  g_object_unref(m.server);  // its mount points and factories
  g_main_loop_unref(m.loop);
  g_main_context_unref(m.ctx);
  gst_rtsp_thread_pool_cleanup();  // the client threads are gone
}

Status RtspRestream::bind() {
  GError* err = nullptr;
  GSource* src = gst_rtsp_server_create_source(impl_->server, nullptr, &err);
  if (!src) {
    Status s = Status::failure(err ? err->message : "cannot listen");
    g_clear_error(&err);
    return s;
  }
  g_signal_connect(impl_->server, "client-connected", G_CALLBACK(Impl::on_client_connected), impl_.get());
  g_source_attach(src, impl_->ctx);
  impl_->listen = src;
  GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(impl_->server);
  impl_->cleanup = g_timeout_source_new_seconds(guint(kSessionCleanupSeconds));
  g_source_set_callback(
      impl_->cleanup,
      [](gpointer pool) -> gboolean {
        gst_rtsp_session_pool_cleanup(GST_RTSP_SESSION_POOL(pool));
        return G_SOURCE_CONTINUE;
      },
      pool, g_object_unref);
  g_source_attach(impl_->cleanup, impl_->ctx);
  return {};
}

RtspRestream::PacketSink RtspRestream::add_camera(const std::string& camera) {
  auto feed = std::make_shared<RtspFeed>(camera, impl_->clock);
  auto* factory = VIGIL_MEDIA_FACTORY(g_object_new(VIGIL_TYPE_MEDIA_FACTORY, nullptr));
  factory->feed = feed.get();
  GstRTSPMediaFactory* f = GST_RTSP_MEDIA_FACTORY(factory);
  gst_rtsp_media_factory_set_launch(f, kLaunch);
  gst_rtsp_media_factory_set_shared(f, TRUE);  // one pipeline per camera, whatever the readers
  g_signal_connect(f, "media-configure", G_CALLBACK(Impl::on_media_configure), impl_.get());
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(impl_->server);
  gst_rtsp_mount_points_add_factory(mounts, ("/" + camera).c_str(), f);  // takes the factory
  g_object_unref(mounts);
  impl_->feeds.push_back(feed);
  return [feed](const AVPacket* p, const AVStream* st) { feed->on_packet(p, st); };
}

void RtspRestream::start() {
  Impl& m = *impl_;
  m.worker.start([&m] {
    g_main_context_push_thread_default(m.ctx);
    g_main_loop_run(m.loop);
    g_main_context_pop_thread_default(m.ctx);
  });
  logger("restream.rtsp")
      ->info("RTSP restream on rtsp://{}:{}/<camera> ({} camera(s))", m.host, m.port, m.feeds.size());
}

void RtspRestream::stop() {
  Impl& m = *impl_;
  if (!m.worker.running()) return;
  for (auto& f : m.feeds) f->detach(nullptr);  // capture threads stop pushing
  // Every reader is closed: its session ends, and with the last one its pipeline.
  gst_rtsp_server_client_filter(
      m.server, [](GstRTSPServer*, GstRTSPClient*, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  {
    std::unique_lock lock(m.mu);  // their release (set to NULL) runs on GStreamer's threads
    m.clock.wait_until(lock, m.cv, m.clock.mono() + kStopGrace, [&m] { return m.pipelines == 0; });
  }
  // Quit from inside the loop: a quit before g_main_loop_run() began would be lost.
  g_main_context_invoke(
      m.ctx,
      [](gpointer loop) -> gboolean {
        g_main_loop_quit(static_cast<GMainLoop*>(loop));
        return G_SOURCE_REMOVE;
      },
      m.loop);
  m.worker.stop();
}

int RtspRestream::port() const { return impl_->port; }

int RtspRestream::pipelines() const { return impl_->pipelines; }

}  // namespace vigil
