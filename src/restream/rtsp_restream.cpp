#include "restream/rtsp_restream.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

#include "input/av_error.h"
#include "restream/rtsp_timeline.h"
#include "util/log.h"
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

struct GstUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};

void free_packet(gpointer p) {
  auto* pkt = static_cast<AVPacket*>(p);
  av_packet_free(&pkt);
}

}  // namespace

// One camera's mount: what its capture thread hands over, and the appsrc of the
// pipeline made for its readers (if any), which the server's threads set and clear.
class RtspFeed {
 public:
  enum Input { kDown, kH264, kOther };

  RtspFeed(std::string camera, const Clock& clock)
      : camera_(std::move(camera)), clock_(clock), log_(logger("restream." + camera_)) {}
  ~RtspFeed() {
    detach(nullptr);
    av_bsf_free(&bsf_);
  }

  const std::string& camera() const { return camera_; }

  // Any thread: a pipeline can be made now (H.264 input up, a packet lately).
  bool ready() const { return input_ == kH264 && clock_.mono() - last_packet_ < RtspRestream::kInputStale; }

  // Server threads: a pipeline was made around `appsrc` (configured); packets go there.
  void attach(GstElement* appsrc) {
    std::lock_guard lock(mu_);
    if (appsrc_) gst_object_unref(appsrc_);
    appsrc_ = GST_ELEMENT(gst_object_ref(appsrc));
    ++generation_;
  }
  // Its pipeline was released; nullptr = whichever it is (stop, or the input is unusable).
  void detach(GstElement* appsrc) {
    std::lock_guard lock(mu_);
    if (!appsrc_ || (appsrc && appsrc != appsrc_)) return;
    gst_object_unref(appsrc_);
    appsrc_ = nullptr;
  }

  // Capture thread. Never waits: no reader = return; else one non-blocking push.
  void on_packet(const AVPacket* pkt, const AVStream* st) {
    if (!pkt) {  // the input connection ended; the next one brings its own parameters
      input_ = kDown;
      last_stream_ = nullptr;
      return;
    }
    if (st != last_stream_) new_stream(st);
    if (input_ != kH264) return;
    last_packet_ = clock_.mono();
    std::unique_ptr<GstElement, GstUnref> src;
    uint64_t generation = 0;
    {
      std::lock_guard lock(mu_);
      if (!appsrc_) {
        need_key_ = true;
        return;
      }
      src.reset(GST_ELEMENT(gst_object_ref(appsrc_)));
      generation = generation_;
    }
    if (generation != seen_generation_) {  // a new pipeline: it starts on a keyframe, at its own time
      seen_generation_ = generation;
      need_key_ = true;
      timeline_.reset();
    }
    const bool key = pkt->flags & AV_PKT_FLAG_KEY;
    if (need_key_ && !key) return;
    GstAppSrc* app = GST_APP_SRC(src.get());
    if (gst_app_src_get_current_level_bytes(app) > RtspRestream::kMaxQueuedBytes) {
      need_key_ = true;  // the pipeline is stuck: drop up to the next keyframe
      if (!behind_) log_->warn("RTSP restream: pipeline behind; dropping packets up to the next keyframe");
      behind_ = true;
      return;
    }
    GstBuffer* buf = make_buffer(pkt, key && need_key_);
    if (!buf) return;
    const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
    if (dts == AV_NOPTS_VALUE) {
      gst_buffer_unref(buf);
      return;
    }
    const AVRational ns{1, 1'000'000'000};
    const GstClockTime now = gst_element_get_current_running_time(src.get());
    const RtspTimeline::Times t =
        timeline_.map(av_rescale_q(dts, tb_, ns), av_rescale_q(pts, tb_, ns),
                      GST_CLOCK_TIME_IS_VALID(now) ? std::optional<int64_t>(now) : std::nullopt);
    GST_BUFFER_DTS(buf) = t.dts;
    GST_BUFFER_PTS(buf) = t.pts;
    if (!key) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
    const GstFlowReturn ret = gst_app_src_push_buffer(app, buf);  // takes buf
    need_key_ = ret != GST_FLOW_OK;
    if (ret == GST_FLOW_OK && behind_) {
      log_->info("RTSP restream: pipeline keeps up again");
      behind_ = false;
    }
  }

 private:
  // Capture thread: a new input connection (or stream). H.264 in AVCC form (MP4 files)
  // goes through h264_mp4toannexb; Annex B (RTSP cameras) as it is.
  void new_stream(const AVStream* st) {
    last_stream_ = st;
    tb_ = st->time_base;
    need_key_ = true;
    av_bsf_free(&bsf_);
    extradata_.clear();
    const AVCodecParameters* par = st->codecpar;
    if (par->codec_id != AV_CODEC_ID_H264) {
      if (!warned_codec_)
        log_->warn("RTSP restream: the input's codec is {}, not H.264; rtsp://…/{} answers 503",
                   avcodec_get_name(par->codec_id), camera_);
      warned_codec_ = true;
      input_ = kOther;
      end_pipeline();
      return;
    }
    if (par->extradata_size > 0 && par->extradata[0] == 1) {  // avcC
      if (std::string why = open_bsf(par); !why.empty()) {
        log_->error("RTSP restream: cannot convert the input's H.264 to Annex B: {}; rtsp://…/{} answers 503", why,
                    camera_);
        input_ = kOther;
        end_pipeline();
        return;
      }
      extradata_.assign(bsf_->par_out->extradata, bsf_->par_out->extradata + bsf_->par_out->extradata_size);
    } else if (par->extradata_size > 0) {
      extradata_.assign(par->extradata, par->extradata + par->extradata_size);
    }
    if (warned_codec_) log_->info("RTSP restream: the input is H.264 again");
    warned_codec_ = false;
    input_ = kH264;
  }

  std::string open_bsf(const AVCodecParameters* par) {
    const AVBitStreamFilter* f = av_bsf_get_by_name("h264_mp4toannexb");
    if (!f) return "no h264_mp4toannexb filter in this libavcodec";
    int ret = av_bsf_alloc(f, &bsf_);
    if (ret >= 0) ret = avcodec_parameters_copy(bsf_->par_in, par);
    if (ret >= 0) {
      bsf_->time_base_in = tb_;
      ret = av_bsf_init(bsf_);
    }
    if (ret < 0) {
      av_bsf_free(&bsf_);
      return av_error_text(ret);
    }
    return "";
  }

  // The input cannot feed a pipeline: the one running (if any) ends.
  void end_pipeline() {
    std::unique_ptr<GstElement, GstUnref> src;
    {
      std::lock_guard lock(mu_);
      src.reset(appsrc_);
      appsrc_ = nullptr;
    }
    if (src) gst_app_src_end_of_stream(GST_APP_SRC(src.get()));
  }

  // The packet as an Annex B access unit (no copy: the buffer holds a reference to the
  // packet's data), with SPS/PPS first on a pipeline's first keyframe.
  GstBuffer* make_buffer(const AVPacket* pkt, bool with_parameters) {
    AVPacket* out = av_packet_alloc();
    if (!out) return nullptr;
    if (bsf_) {
      int ret = av_packet_ref(out, pkt);
      if (ret >= 0) ret = av_bsf_send_packet(bsf_, out);  // takes the reference
      if (ret >= 0) ret = av_bsf_receive_packet(bsf_, out);
      if (ret < 0) {
        av_packet_free(&out);
        return nullptr;
      }
    } else if (av_packet_ref(out, pkt) < 0) {
      av_packet_free(&out);
      return nullptr;
    }
    GstBuffer* buf = gst_buffer_new();
    if (with_parameters && !extradata_.empty()) {
      gpointer copy = g_memdup2(extradata_.data(), extradata_.size());
      gst_buffer_append_memory(buf, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, copy, extradata_.size(), 0,
                                                           extradata_.size(), copy, g_free));
    }
    gst_buffer_append_memory(
        buf, gst_memory_new_wrapped(GST_MEMORY_FLAG_READONLY, out->data, out->size, 0, out->size, out, free_packet));
    return buf;
  }

  const std::string camera_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<Input> input_{kDown};  // what the capture thread last saw (read by ready())
  std::atomic<double> last_packet_{-std::numeric_limits<double>::infinity()};  // mono time of the last packet

  mutable std::mutex mu_;         // guards appsrc_ and generation_ (held for a pointer swap only)
  GstElement* appsrc_ = nullptr;  // the pipeline's source, a reference; null = no reader
  uint64_t generation_ = 0;       // bumped per pipeline made

  // Capture thread only.
  const AVStream* last_stream_ = nullptr;  // stream the fields below describe
  AVRational tb_{1, 1};                    // its time base
  AVBSFContext* bsf_ = nullptr;            // AVCC → Annex B, when the input is AVCC
  std::vector<uint8_t> extradata_;         // SPS/PPS in Annex B form (may be empty)
  uint64_t seen_generation_ = 0;           // pipeline the state below belongs to
  bool need_key_ = true;                   // drop until a keyframe (new pipeline, a drop, a push refused)
  bool warned_codec_ = false;              // "not H.264" was logged (once until H.264 comes back)
  bool behind_ = false;                    // in a drop streak because the pipeline is stuck (logged)
  RtspTimeline timeline_;
};

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
    GstElement* appsrc;  // identity only (the feed holds the reference)
    bool released = false;
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
  auto* p = new Pipeline{impl, feed, src.get()};
  g_signal_connect_data(media, "unprepared", G_CALLBACK(on_unprepared), p, on_pipeline_gone, GConnectFlags(0));
  ++impl->pipelines;
  feed->attach(src.get());
  logger("restream." + feed->camera())->debug("RTSP restream: pipeline made for its first reader");
}

void RtspRestream::Impl::release(Pipeline* p) {
  if (p->released) return;
  p->released = true;
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
