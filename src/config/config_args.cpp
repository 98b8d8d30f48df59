// ffmpeg-style argument lists → InputOptions (config.md §6.1–6.4).
#include "config/config_args.h"

#include <cmath>
#include <cstdlib>

#include "util/printable.h"

namespace vigil::cfg {
namespace {

const std::set<std::string> kNoValueOptions = {"-re",      "-hide_banner", "-nostdin", "-y",  "-n", "-stats",
                                               "-nostats", "-an",          "-vn",      "-sn", "-dn"};
// Options of §6.2 that become format options even when found in global_args.
const std::set<std::string> kFormatOptions = {
    "-rtsp_transport",  "-stimeout", "-timeout", "-rw_timeout", "-use_wallclock_as_timestamps",
    "-analyzeduration", "-probesize"};
const std::set<std::string> kDecoderNameOptions = {"-c:v", "-codec:v", "-vcodec", "-c", "-codec"};

// "-rtsp_transport" is an option; "-1" (a value of -stream_loop) is not.
bool is_option(const std::string& t) {
  if (t.size() < 2 || t[0] != '-') return false;
  char* end = nullptr;
  std::strtod(t.c_str(), &end);
  return *end != '\0';
}

// -?[0-9]{1,9}
bool is_small_int(const std::string& t) {
  const size_t start = !t.empty() && t[0] == '-' ? 1 : 0;
  if (t.size() - start < 1 || t.size() - start > 9) return false;
  for (size_t i = start; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

// Several -fflags accumulate: "+genpts+discardcorrupt" + "nobuffer" → "+genpts+discardcorrupt+nobuffer".
std::string add_flags(const std::string& current, const std::string& more) {
  if (current.empty()) return more;
  return current + (more[0] == '+' || more[0] == '-' ? "" : "+") + more;
}

// One option with its value; returns an error reason or "".
std::string apply_option(const std::string& name, const std::string& value, const std::string& path, ArgsTarget& t,
                         Diagnostics& d) {
  InputOptions& o = t.options;
  if (name == "-loglevel" || name == "-v") {
    o.ffmpeg_loglevel = value;
  } else if (name == "-fflags") {
    o.format_options["fflags"] = add_flags(o.format_options["fflags"], value);
  } else if (name == "-flags" || name == "-strict") {
    o.decoder_options[name.substr(1)] = value;
  } else if (name == "-avoid_negative_ts") {
    o.avoid_negative_ts = value;
  } else if (name == "-f") {
    o.force_format = value;
  } else if (kDecoderNameOptions.count(name)) {
    o.decoder_name = value;
  } else if (name == "-hwaccel") {
    o.hwaccel = value == "none" ? "" : value;
  } else if (name == "-hwaccel_device" || name == "-qsv_device") {
    o.hwaccel_device = value;
  } else if (name == "-stream_loop") {
    if (!is_small_int(value)) return "-stream_loop expects an integer, got " + quoted(value);
    o.stream_loop = std::stoi(value);
  } else if (name == "-r") {
    char* end = nullptr;
    double r = std::strtod(value.c_str(), &end);
    if (*end != '\0' || !(r > 0) || !std::isfinite(r)) return "-r expects a positive number, got " + quoted(value);
    if (t.camera_has_fps)
      d.warn(path, "-r is ignored because the camera sets fps");
    else
      o.rate = r;
  } else if (name == "-vsync" || name == "-hwaccel_output_format") {
    // Meaningful only for an ffmpeg process writing output; vigil decodes itself.
  } else if (kFormatOptions.count(name) || !t.global_args) {
    o.format_options[name.substr(1)] = value;  // unused ones are dropped by the capture code
  }
  return "";
}

}  // namespace

void apply_args(const Args& a, ArgsTarget& t, Diagnostics& d) {
  const StrList& tok = a.tokens;
  for (size_t i = 0; i < tok.size(); ++i) {
    const std::string& name = tok[i];
    if (!is_option(name)) {
      d.error(a.path, "unexpected value \"" + printable(shorten(name)) + "\" (every value must follow an option)");
      continue;
    }
    if (name == "-i") {
      d.error(a.path, "-i is not allowed (the input is given by \"path\")");
      ++i;
      continue;
    }
    if (kNoValueOptions.count(name)) {
      if (name == "-re") t.options.realtime = true;
      continue;
    }
    if (i + 1 >= tok.size()) {
      d.error(a.path, "option " + shorten(name) + " is missing its value");
      break;
    }
    std::string why = apply_option(name, tok[i + 1], a.path, t, d);
    if (!why.empty()) d.error(a.path, why);
    ++i;
  }
}

}  // namespace vigil::cfg
