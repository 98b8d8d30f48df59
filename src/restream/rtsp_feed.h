// Internal to src/restream (rtsp_restream.cpp): one camera's mount of the RTSP restream.
// GStreamer's headers are included here, never by a public header.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

#include "restream/rtsp_restream.h"
#include "restream/rtsp_timeline.h"
#include "util/clock.h"
#include "util/log.h"

namespace vigil {

struct GstUnref {
  void operator()(gpointer p) const {
    if (p) gst_object_unref(p);
  }
};

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
  void on_packet(const AVPacket* pkt, const AVStream* st);

 private:
  // Capture thread: a new input connection (or stream). H.264 in AVCC form (MP4 files)
  // goes through h264_mp4toannexb; Annex B (RTSP cameras) as it is.
  void new_stream(const AVStream* st);
  std::string open_bsf(const AVCodecParameters* par);  // "" or libav's reason
  // The input cannot feed a pipeline: the one running (if any) ends.
  void end_pipeline();
  // The packet as an Annex B access unit (no copy: the buffer holds a reference to the
  // packet's data), with SPS/PPS first on a pipeline's first keyframe.
  GstBuffer* make_buffer(const AVPacket* pkt, bool with_parameters);

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
