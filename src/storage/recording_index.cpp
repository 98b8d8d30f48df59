#include "storage/recording_index.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

extern "C" {
#include <libavformat/avformat.h>
}

#include "input/av_error.h"

namespace vigil {
namespace {

struct Input {
  AVFormatContext* fmt = nullptr;
  ~Input() {
    if (fmt) avformat_close_input(&fmt);
  }
};

}  // namespace

int open_ignoring_edit_list(AVFormatContext** fmt, const std::string& path) {
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "ignore_editlist", "1", 0);
  const int r = avformat_open_input(fmt, path.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  return r;
}

std::optional<IndexedMedia> index_media(const std::string& path, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<IndexedMedia> {
    if (error) *error = why;
    return std::nullopt;
  };
  Input in;
  if (int r = open_ignoring_edit_list(&in.fmt, path); r < 0)
    return fail("cannot open " + path + ": " + av_error_text(r));
  // vigil's MP4s describe their stream in the header (segment_reader.h): no probing.
  int stream = av_find_best_stream(in.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (stream < 0) return fail("no video stream in " + path);
  const AVStream* st = in.fmt->streams[stream];
  const double tb = av_q2d(st->time_base);
  IndexedMedia m;
  m.path = path;
  m.width = st->codecpar->width;
  m.height = st->codecpar->height;
  const int n = avformat_index_get_entries_count(st);
  m.dts.reserve(size_t(std::max(n, 0)));
  for (int i = 0; i < n; ++i) {
    const AVIndexEntry* e = avformat_index_get_entry(const_cast<AVStream*>(st), i);
    if (!e || (e->flags & AVINDEX_DISCARD_FRAME)) continue;
    const double t = double(e->timestamp) * tb;
    if (!m.dts.empty() && t <= m.dts.back()) continue;  // the muxer wrote increasing dts
    m.dts.push_back(t);
    if (e->flags & AVINDEX_KEYFRAME) m.keyframes.push_back(t);
  }
  if (m.dts.empty() || m.keyframes.empty()) return fail("no indexed video samples in " + path);
  if (st->duration > 0 && st->duration != AV_NOPTS_VALUE) {
    m.duration = double(st->duration) * tb;
  } else {
    const double frame = m.dts.size() > 1 ? (m.dts.back() - m.dts.front()) / double(m.dts.size() - 1) : 0.04;
    m.duration = m.dts.back() - m.dts.front() + frame;
  }
  // The track's duration counts from its first sample; never shorter than the samples.
  m.duration = std::max(m.duration, m.dts.back() - m.dts.front() + 1e-3);
  std::error_code ec;
  m.bytes = std::filesystem::file_size(path, ec);
  if (ec) m.bytes = 0;
  return m;
}

std::string recording_id(const RecordingSegmentName& n) {
  char s[32];
  std::snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02d", n.year, n.month, n.day, n.hour, n.minute, n.second);
  return s;
}

std::optional<RecordingSegmentName> parse_recording_id(const std::string& camera, const std::string& id) {
  if (id.size() != 14 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return RecordingSegmentName::parse({id.substr(0, 4) + "-" + id.substr(4, 2), id.substr(6, 2), id.substr(8, 2), camera,
                                      id.substr(10, 2) + "." + id.substr(12, 2) + ".mp4"});
}

std::vector<RecordingSegmentName> recordings_between(const RecordingRoots& roots, const std::string& camera,
                                                     double from, double to) {
  namespace fs = std::filesystem;
  std::vector<RecordingSegmentName> out;
  if (!(to >= from)) return out;
  // Every local hour folder the range touches (a DST change repeats or skips one).
  std::set<std::string> hours;
  for (double t = from; t < to; t += 1800) hours.insert(recording_hour_folder(t));
  hours.insert(recording_hour_folder(to));
  std::set<std::string> seen;  // relative paths: a segment on two tiers (mid-move) counts once
  for (const std::string& recordings_dir : roots.all())
    for (const std::string& hour : hours) {
      std::error_code ec;
      const fs::path dir = fs::path(recordings_dir) / hour / camera;
      for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string file = it->path().filename().string();
        std::vector<std::string> parts{hour.substr(0, 7), hour.substr(8, 2), hour.substr(11, 2), camera, file};
        auto name = RecordingSegmentName::parse(parts);
        if (!name) continue;  // .part files, temporaries, anything else
        const double s = name->start();
        if (s >= from && s <= to && seen.insert(name->relative_path()).second) out.push_back(*name);
      }
    }
  std::sort(out.begin(), out.end(), [](const RecordingSegmentName& a, const RecordingSegmentName& b) {
    const double x = a.start(), y = b.start();
    return x != y ? x < y : recording_id(a) < recording_id(b);
  });
  return out;
}

std::vector<IndexedMedia> recordings_overlapping(const RecordingRoots& roots, const std::string& camera, double start,
                                                 double end) {
  std::vector<IndexedMedia> out;
  const auto names = recordings_between(roots, camera, start - kMaxRecordingSeconds, end);
  // Files do not overlap each other: of those starting before `start`, only the last
  // can reach into the range.
  size_t first = 0;
  while (first + 1 < names.size() && names[first + 1].start() < start) ++first;
  for (size_t i = first; i < names.size(); ++i) {
    const std::optional<std::string> path = roots.locate(names[i].relative_path());
    if (!path) continue;  // moved or deleted meanwhile
    auto m = index_media(*path);
    if (!m) continue;
    m->id = recording_id(names[i]);
    m->start = names[i].start();
    if (m->start + m->duration < start) continue;
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace vigil
