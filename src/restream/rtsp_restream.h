// RTSP restream (issue 12; ha-current.md §0.6, §4.2): one RTSP server for the process,
// in-process (GStreamer's RTSP server library), serving each camera at
// rtsp://<host>:<port>/<camera> by stream copy of the packets vigil already reads from
// it (no re-encoding, no second connection to the camera). H.264 only.
//
// Per mount, one SHARED pipeline whatever the number of readers,
// `appsrc ! h264parse config-interval=-1 ! rtph264pay`, made when the first reader comes
// and released when the last one leaves. The capture thread only hands packets over
// (`add_camera`'s sink): with no reader it returns at once; otherwise it pushes into the
// appsrc without ever waiting (a queue above kMaxQueuedBytes — the pipeline is stuck —
// drops packets up to the next keyframe). A mount answers 503 while its camera has no
// H.264 input up (down, not yet connected, or another codec: logged once).
//
// GStreamer stays out of this header (pimpl): only rtsp_restream.cpp includes it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "util/clock.h"
#include "util/status.h"

struct AVPacket;
struct AVStream;

namespace vigil {

class RtspRestream {
 public:
  using PacketSink = std::function<void(const AVPacket*, const AVStream*)>;
  static constexpr size_t kMaxQueuedBytes = 4 << 20;  // per mount, waiting in the appsrc
  static constexpr double kInputStale = 5;            // s without a packet: the mount answers 503

  RtspRestream(std::string host, int port, const Clock& clock = SystemClock::instance());
  ~RtspRestream();  // stop()
  RtspRestream(const RtspRestream&) = delete;
  RtspRestream& operator=(const RtspRestream&) = delete;

  // Opens the listening socket; the reason (GLib's text, e.g. "Address already in use")
  // when it cannot. Call once, before start().
  Status bind();
  // The mount /<camera>; the returned sink takes the camera input's packets on its capture
  // thread ((nullptr, nullptr) = the input connection ended). Call before start().
  PacketSink add_camera(const std::string& camera);
  // Serves (the server's main-loop thread).
  void start();
  // Closes every reader, releases the pipelines, joins the thread. Idempotent.
  void stop();

  int port() const;
  // Pipelines currently made (one per mount with readers) — tests.
  int pipelines() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
