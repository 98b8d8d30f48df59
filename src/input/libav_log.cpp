#include "input/libav_log.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <mutex>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
}

#include "config/config.h"
#include "util/printable.h"

namespace vigil {
namespace {

thread_local LibavLog* t_input = nullptr;

// The input a libav context belongs to: its own mark, else its parent's (sub-contexts
// such as a demuxer's private data name their parent in their AVClass), else the input
// of the calling capture thread. Only vigil sets `opaque` on the contexts it creates,
// and only to the input's LibavLog.
LibavLog* input_of(void* avcl) {
  for (int depth = 0; avcl && depth < 8; ++depth) {
    const AVClass* cls = *static_cast<const AVClass* const*>(avcl);
    if (!cls) break;
    if (cls == avformat_get_class()) {
      if (void* in = static_cast<AVFormatContext*>(avcl)->opaque) return static_cast<LibavLog*>(in);
    } else if (cls == avcodec_get_class()) {
      if (void* in = static_cast<AVCodecContext*>(avcl)->opaque) return static_cast<LibavLog*>(in);
    }
    if (cls->parent_log_context_offset <= 0) break;
    avcl = *reinterpret_cast<void**>(static_cast<char*>(avcl) + cls->parent_log_context_offset);
  }
  return t_input;
}

void callback(void* avcl, int level, const char* fmt, va_list vl) {
  // libav calls back for every message, debug ones included: filter before formatting.
  LibavLog* input = input_of(avcl);
  if (!input || !fmt || !input->wants(level)) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  const AVClass* cls = avcl ? *static_cast<const AVClass* const*>(avcl) : nullptr;
  input->log(level, std::string(cls ? cls->class_name : "") + ":" + fmt, line);
}

}  // namespace

LibavLog::LibavLog(std::shared_ptr<spdlog::logger> log, const Clock& clock, LogThrottle::Limits limits)
    : log_(std::move(log)), level_(AV_LOG_WARNING), throttle_(clock, limits) {}

void LibavLog::attach(AVFormatContext* ctx) {
  if (ctx) ctx->opaque = this;
}

void LibavLog::attach(AVCodecContext* ctx) {
  if (ctx) ctx->opaque = this;
}

LibavLog::ThreadScope::ThreadScope(LibavLog* input) : previous_(t_input) { t_input = input; }
LibavLog::ThreadScope::~ThreadScope() { t_input = previous_; }

void LibavLog::install() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(callback); });
}

void LibavLog::log(int level, const std::string& kind, const std::string& line) {
  if (!wants(level)) return;
  std::string msg = line;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  if (msg.empty()) return;
  const LogThrottle::Verdict v = throttle_.admit(kind);
  if (!v.pass) return;
  msg = printable(mask_credentials(msg));
  if (v.suppressed > 0) msg += " (" + std::to_string(v.suppressed) + " similar messages suppressed)";
  auto lvl = level <= AV_LOG_ERROR     ? spdlog::level::err
             : level <= AV_LOG_WARNING ? spdlog::level::warn
             : level <= AV_LOG_INFO    ? spdlog::level::info
                                       : spdlog::level::debug;
  log_->log(lvl, "{}", msg);
}

}  // namespace vigil
