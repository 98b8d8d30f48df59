#include "restream/live_feed.h"

#include <algorithm>

extern "C" {
#include <libavformat/avformat.h>
}

#include "restream/live_muxer.h"
#include "storage/packet_consumer.h"
#include "storage/packet_writer.h"
#include "util/log.h"
#include "util/metric_families.h"

namespace vigil {

// --- LiveViewer ---------------------------------------------------------------------

bool LiveViewer::wait_head(double deadline) {
  std::unique_lock lock(mu_);
  clock_.wait_until(lock, cv_, deadline, [this] { return has_head_ || ended_; });
  return has_head_;
}

std::string LiveViewer::content_type() const {
  std::lock_guard lock(mu_);
  return content_type_;
}

double LiveViewer::epoch() const {
  std::lock_guard lock(mu_);
  return epoch_;
}

std::string LiveViewer::take(double deadline) {
  std::unique_lock lock(mu_);
  clock_.wait_until(lock, cv_, deadline, [this] { return !queue_.empty() || ended_; });
  std::string out;
  out.reserve(queued_bytes_);
  for (const Item& i : queue_) out += *i.bytes;
  queue_.clear();
  queued_bytes_ = 0;
  return out;
}

bool LiveViewer::ended() const {
  std::lock_guard lock(mu_);
  return ended_ && queue_.empty();
}

bool LiveViewer::was_cut() const {
  std::lock_guard lock(mu_);
  return cut_;
}

void LiveViewer::set_cut_hook(std::function<void()> f) {
  std::lock_guard lock(mu_);
  cut_hook_ = std::move(f);
}

// --- LiveFeed::Run: one muxer, from the first viewer to the last -----------------------

class LiveFeed::Run final : public PacketConsumer {
 public:
  Run(LiveFeed& feed, const Clock& clock, PacketQueueLimits limits)
      : feed_(feed), writer_("live view of " + feed.camera(), *this, clock, limits) {}
  void start() { writer_.start(); }
  void stop() { writer_.stop(); }
  // Capture thread.
  void push(const AVPacket* pkt, const AVStream* st) { writer_.on_packet(pkt, st); }

  // The muxer thread (PacketWriter's):
  void on_packet(const AVPacket* pkt, const AVStream* st, double arrival) override {
    if (st != stream_) {
      if (stream_) restart("the input's stream changed");
      stream_ = st;
      broken_ = !mux_.open(st->codecpar, st->time_base);
      if (broken_) {
        logger("vigil.live")
            ->warn("live view of {}: cannot make MP4 of the input ({}): {}", feed_.camera(),
                   avcodec_get_name(st->codecpar->codec_id), mux_.error());
        return;
      }
      const std::string codecs = mp4_codecs_param(st->codecpar);
      content_type_ = codecs.empty() ? "video/mp4" : "video/mp4; codecs=\"" + codecs + "\"";
    }
    if (broken_) return;
    const bool had_begun = mux_.started();
    std::optional<LiveMuxer::Fragment> f = mux_.write(pkt);
    // The first keyframe, read from the camera at `arrival`, is presented at media time
    // lead(): the epoch (wall time of media time 0) is `arrival - lead()`.
    if (!had_begun && mux_.started()) feed_.set_head(this, mux_.init(), content_type_, arrival - mux_.lead());
    if (f) feed_.publish(this, std::make_shared<const std::string>(std::move(f->bytes)), f->key, f->media_time);
  }
  void on_gap() override { restart("packets were dropped on the way to the muxer"); }
  void on_end() override { restart("the input connection ended"); }

 private:
  void restart(const char* why) {
    feed_.end_stream(this, why);
    stream_ = nullptr;  // the next packet (a keyframe) opens a new stream
    broken_ = false;
  }

  LiveFeed& feed_;
  const AVStream* stream_ = nullptr;  // muxer thread: the stream mux_ was opened for
  bool broken_ = false;               // muxer thread: mux_ refused stream_
  std::string content_type_;          // muxer thread: stream_'s MIME type
  LiveMuxer mux_;                     // muxer thread only
  PacketWriter writer_;               // the queue and the muxer thread; last: joined first
};

// --- LiveFeed -----------------------------------------------------------------------

LiveFeed::LiveFeed(std::string camera, const Clock& clock, Limits limits)
    : camera_(std::move(camera)), clock_(clock), limits_(limits) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::on_packet(const AVPacket* pkt, const AVStream* st) {
  std::shared_ptr<Run> run;
  {
    std::lock_guard lock(run_mu_);
    run = writer_;
  }
  if (run) run->push(pkt, st);
}

std::shared_ptr<LiveViewer> LiveFeed::join() {
  auto v = std::make_shared<LiveViewer>(clock_);
  std::lock_guard lock(mu_);
  if (stopped_) {
    v->ended_ = true;
    return v;
  }
  viewers_.push_back(v);
  if (!run_) {
    run_ = std::make_shared<Run>(*this, clock_, PacketQueueLimits{limits_.writer_packets, limits_.writer_bytes});
    run_->start();
    std::lock_guard rl(run_mu_);
    writer_ = run_;
  } else if (has_head_) {
    // A late joiner: the head, then the current GOP (it begins with a keyframe).
    std::lock_guard vl(v->mu_);
    v->has_head_ = true;
    v->content_type_ = content_type_;
    v->epoch_ = epoch_;
    v->queue_.push_back({init_, gop_.empty() ? 0 : gop_.front().media_time});
    v->queued_bytes_ += init_->size();
    for (const LiveViewer::Item& i : gop_) {
      v->queue_.push_back(i);
      v->queued_bytes_ += i.bytes->size();
    }
    v->started_ = !gop_.empty();
  }
  return v;
}

void LiveFeed::leave(const std::shared_ptr<LiveViewer>& viewer) {
  std::shared_ptr<Run> old;
  {
    std::lock_guard lock(mu_);
    auto it = std::find(viewers_.begin(), viewers_.end(), viewer);
    if (it == viewers_.end()) return;
    viewers_.erase(it);
    {
      std::lock_guard vl(viewer->mu_);
      viewer->ended_ = true;
      viewer->cut_hook_ = nullptr;  // its connection may close now: never touch its socket again
      viewer->cv_.notify_all();
    }
    if (viewers_.empty() && run_) {
      old = std::move(run_);
      has_head_ = false;
      init_.reset();
      gop_.clear();
      gop_bytes_ = 0;
      std::lock_guard rl(run_mu_);
      writer_.reset();
    }
  }
  if (old) old->stop();  // joins the muxer thread (outside mu_: it may be waiting for it)
}

void LiveFeed::stop() {
  std::shared_ptr<Run> old;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& v : viewers_) {
      std::lock_guard vl(v->mu_);
      v->ended_ = true;
      v->cv_.notify_all();
    }
    old = std::move(run_);
    has_head_ = false;
    std::lock_guard rl(run_mu_);
    writer_.reset();
  }
  if (old) old->stop();
}

size_t LiveFeed::viewers() const {
  std::lock_guard lock(mu_);
  return viewers_.size();
}

uint64_t LiveFeed::viewers_cut() const {
  std::lock_guard lock(mu_);
  return cut_;
}

void LiveFeed::set_head(const Run* run, const std::string& init, const std::string& content_type, double epoch) {
  std::lock_guard lock(mu_);
  if (run != run_.get()) return;
  has_head_ = true;
  init_ = std::make_shared<const std::string>(init);
  content_type_ = content_type;
  epoch_ = epoch;
  gop_.clear();
  gop_bytes_ = 0;
  for (auto& v : viewers_) {
    std::lock_guard vl(v->mu_);
    if (v->has_head_ || v->ended_) continue;
    v->has_head_ = true;
    v->content_type_ = content_type_;
    v->epoch_ = epoch_;
    v->queue_.push_back({init_, 0});
    v->queued_bytes_ += init_->size();
    v->cv_.notify_all();
  }
}

void LiveFeed::publish(const Run* run, std::shared_ptr<const std::string> bytes, bool key, double media_time) {
  std::lock_guard lock(mu_);
  if (run != run_.get() || !has_head_) return;
  const LiveViewer::Item item{std::move(bytes), media_time};
  // The current GOP, for late joiners; not kept when it grows past half a viewer's queue
  // (a joiner would then start close to being cut): they wait for the next keyframe.
  if (key) {
    gop_.clear();
    gop_bytes_ = 0;
  }
  if (key || !gop_.empty()) {
    gop_.push_back(item);
    gop_bytes_ += item.bytes->size();
    if (gop_bytes_ > limits_.max_bytes / 2 || media_time - gop_.front().media_time > limits_.max_seconds / 2) {
      gop_.clear();
      gop_bytes_ = 0;
    }
  }
  for (auto& v : viewers_) {
    std::lock_guard vl(v->mu_);
    if (!v->has_head_ || v->ended_) continue;
    if (!v->started_ && !key) continue;
    v->started_ = true;
    if (!push_locked(*v, item)) continue;
    v->cv_.notify_all();
  }
}

bool LiveFeed::push_locked(LiveViewer& v, const LiveViewer::Item& item) {
  const size_t bytes = v.queued_bytes_ + item.bytes->size();
  const double span = v.queue_.empty() ? 0 : item.media_time - v.queue_.front().media_time;
  if (bytes > limits_.max_bytes || span > limits_.max_seconds) {
    cut_locked(v);
    return false;
  }
  v.queue_.push_back(item);
  v.queued_bytes_ = bytes;
  return true;
}

void LiveFeed::cut_locked(LiveViewer& v) {
  logger("vigil.live")
      ->warn("live view of {}: a viewer fell behind ({:.1f} MB, {:.1f} s of video waiting for it); disconnected",
             camera_, double(v.queued_bytes_) / 1e6,
             v.queue_.empty() ? 0.0 : v.queue_.back().media_time - v.queue_.front().media_time);
  v.cut_ = true;
  v.ended_ = true;
  v.queue_.clear();
  v.queued_bytes_ = 0;
  if (v.cut_hook_) v.cut_hook_();
  v.cut_hook_ = nullptr;
  v.cv_.notify_all();
  ++cut_;
  live_viewers_cut_metric().with({camera_}).inc();
}

void LiveFeed::end_stream(const Run* run, const char* why) {
  std::lock_guard lock(mu_);
  if (run != run_.get()) return;
  if (has_head_ && !viewers_.empty())
    logger("vigil.live")->info("live view of {}: {}; the viewers' streams end (they reconnect)", camera_, why);
  has_head_ = false;
  init_.reset();
  gop_.clear();
  gop_bytes_ = 0;
  for (auto& v : viewers_) {
    std::lock_guard vl(v->mu_);
    if (!v->has_head_) continue;  // still waiting for a first keyframe: the next stream's will do
    v->ended_ = true;
    v->cv_.notify_all();
  }
}

}  // namespace vigil
