// FFmpeg's library messages (av_log) for one input, logged under its
// `ffmpeg.<camera>.<roles>` logger (config.md §4.6), filtered by its `-loglevel` and
// rate-limited per kind of message (log_throttle.h): a camera sending corrupt video
// makes the decoder complain about every frame.
//
// A message is attributed to an input through its libav context: the input's demuxer
// and decoder contexts carry the input in their `opaque` field (attach()), and
// sub-contexts are followed to their parent. Messages from contexts vigil did not mark
// (muxers writing the input's recordings, the protocol layers of the demuxer) go to the
// input whose capture thread emitted them (ThreadScope); others are dropped.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "input/log_throttle.h"
#include "util/clock.h"

struct AVCodecContext;
struct AVFormatContext;
namespace spdlog {
class logger;
}

namespace vigil {


class LibavLog {
 public:
  LibavLog(std::shared_ptr<spdlog::logger> log, const Clock& clock, LogThrottle::Limits limits = LogThrottle::Limits{});

  // libav level (AV_LOG_*) above which messages are dropped; AV_LOG_QUIET drops all.
  void set_level(int level) { level_ = level; }
  bool wants(int level) const { return level <= level_.load(); }
  // Marks a context as this input's (before libav may log with it).
  void attach(AVFormatContext* ctx);
  void attach(AVCodecContext* ctx);

  // Messages from unmarked contexts on the current thread go to `input` while this lives.
  class ThreadScope {
   public:
    explicit ThreadScope(LibavLog* input);
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

   private:
    LibavLog* previous_;
  };

  // Installs the av_log callback (once per process).
  static void install();
  // One message (what the callback does once it has found the input); `kind` says which
  // messages are alike (the format string), `line` is the formatted text.
  void log(int level, const std::string& kind, const std::string& line);

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::atomic<int> level_;
  LogThrottle throttle_;
};

}  // namespace vigil
