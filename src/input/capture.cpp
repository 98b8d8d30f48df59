#include "input/capture.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

extern "C" {
#include <libavutil/log.h>
}

#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

int parse_av_loglevel(const std::string& s) {
  static const std::pair<const char*, int> kLevels[] = {
      {"quiet", AV_LOG_QUIET},     {"panic", AV_LOG_PANIC},     {"fatal", AV_LOG_FATAL},
      {"error", AV_LOG_ERROR},     {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
      {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},     {"trace", AV_LOG_TRACE}};
  for (auto& [name, lvl] : kLevels)
    if (s == name) return lvl;
  return AV_LOG_WARNING;
}

std::string roles_key(const std::vector<std::string>& roles) {
  std::vector<std::string> r = roles;
  std::sort(r.begin(), r.end());
  std::string out;
  for (auto& x : r) out += (out.empty() ? "" : "_") + x;
  return out;
}

// An input's path as logged: credentials masked, one printable line.
std::string shown(const std::string& path) { return printable(mask_credentials(path)); }

}  // namespace

Capture::Capture(CaptureSettings settings, FrameSink sink, const Clock& clock)
    : s_(std::move(settings)),
      sink_(std::move(sink)),
      clock_(clock),
      libav_log_(logger("ffmpeg." + s_.camera + "." + roles_key(s_.input.roles)), clock),
      stamper_(clock),
      worker_(clock) {
  log_ = logger("camera." + s_.camera);
  LibavLog::install();
}

Capture::~Capture() { stop(); }

void Capture::start() {
  worker_.start([this] { run(); });
}

void Capture::stop() { worker_.stop(); }

bool Capture::wait_until(double deadline) {
  std::unique_lock lock(worker_.mutex());
  worker_.wait_until(lock, deadline, [] { return false; });
  return !worker_.stopping();
}

void Capture::run() {
  tid_ = gettid();
  LibavLog::ThreadScope libav_scope(&libav_log_);
  while (!worker_.stopping()) {
    // While an input stays down, libav's own error lines would repeat at every attempt;
    // the loss is logged once below instead.
    libav_log_.set_level(was_down_ ? AV_LOG_QUIET : parse_av_loglevel(s_.input.options.ffmpeg_loglevel));
    std::string why = run_connection();
    if (s_.decode && packet_sink_) packet_sink_(nullptr, nullptr);  // complete any file being written
    connected_ = false;
    if (worker_.stopping()) break;
    ++failures_;
    const double delay = backoff_.next_delay();
    const double retry_at = clock_.mono() + delay;
    if (!was_down_) {
      log_->warn("input {} lost: {}; reconnecting in {:.0f} s", shown(s_.input.path), why, delay);
      was_down_ = true;
    } else {
      log_->debug("input still down: {}; next attempt in {:.0f} s", why, delay);
    }
    if (retry_hook_) retry_hook_(why, retry_at);
    if (!wait_until(retry_at)) break;
  }
}

std::string Capture::run_connection() {
  Demuxer demux(s_, clock_, libav_log_,
                {[this] { return worker_.stopping(); }, [this](double deadline) { return wait_until(deadline); }});
  if (std::string why = demux.open(); !why.empty()) return why;
  delivered_ = false;
  return s_.decode ? decode_frames(demux) : copy_packets(demux);
}

void Capture::came_up(const std::string& first_line) {
  connected_ = true;
  if (was_down_)
    log_->info("input {} recovered", shown(s_.input.path));
  else if (!first_line.empty())
    log_->info("{}", first_line);
  was_down_ = false;
}

// Packets only (no decoder): stream copy for record/clips inputs.
std::string Capture::copy_packets(Demuxer& demux) {
  log_->debug("opened {} (stream copy only)", shown(s_.input.path));
  struct EndNotice {  // the writer completes its file whatever way the connection ends
    const PacketSink& sink;
    ~EndNotice() {
      if (sink) sink(nullptr, nullptr);
    }
  } notice{packet_sink_};
  while (demux.read()) {
    if (std::optional<double> t = demux.packet_time()) demux.set_last_time(*t);
    demux.keep_alive();
    if (!delivered_) {
      delivered_ = true;
      came_up("");
    }
    demux.copy_to(packet_sink_);
  }
  return demux.why();
}

std::string Capture::decode_frames(Demuxer& demux) {
  FrameDecoder dec(s_, demux, stamper_, *log_, {[&](double t, int w, int h) { frame_decoded(demux, t, w, h); }, sink_});
  if (std::string why = dec.open(demux.take_unused_options(), warned_options_, libav_log_); !why.empty()) return why;
  log_->debug("opened {} ({})", shown(s_.input.path), dec.describe());
  while (const AVPacket* pkt = demux.read([&] { dec.drain(); })) {
    demux.copy_to(packet_sink_);
    if (std::string why = dec.decode(pkt); !why.empty()) return why;
    if (std::string why = demux.stalled(); !why.empty()) return why;
  }
  return demux.why();
}

void Capture::frame_decoded(Demuxer& demux, double t, int width, int height) {
  const double now = clock_.mono();
  demux.keep_alive();
  demux.set_last_time(t);
  if (!delivered_) {
    delivered_ = true;
    started_mono_ = now;
    libav_log_.set_level(parse_av_loglevel(s_.input.options.ffmpeg_loglevel));
    came_up(fmt::format("input {} connected ({}x{})", shown(s_.input.path), width, height));
  }
  backoff_.connection_healthy(started_mono_, now);
}

}  // namespace vigil
