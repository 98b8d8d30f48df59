#include "storage/vod_plan.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace vigil {
namespace {

long long ms(double s) { return std::llround(s * 1000); }

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

bool parse_ms(const std::string& s, double* out) {
  if (s.empty() || s.size() > 12 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  *out = double(std::stoll(s)) / 1000;
  return true;
}

// Length of file `f` on the timeline: its duration, or up to the first sample at or
// after wall time `end`.
double played_length(const IndexedMedia& f, double end) {
  const double cut = end - f.start;
  if (!(cut < f.duration)) return f.duration;
  const double dts0 = f.dts.front();
  for (double d : f.dts)
    if (d - dts0 >= cut) return d - dts0;
  return f.duration;
}

}  // namespace

std::string VodSegment::name() const {
  return "seg-" + std::to_string(ms(position)) + "-" + from.id + "-" + std::to_string(ms(from.offset)) + "-" + to.id +
         "-" + std::to_string(ms(to.offset)) + ".ts";
}

std::optional<VodSegment> VodSegment::parse(const std::string& name) {
  if (!name.starts_with("seg-") || !name.ends_with(".ts")) return std::nullopt;
  const std::string body = name.substr(4, name.size() - 4 - 3);
  std::vector<std::string> f;
  size_t a = 0;
  for (;;) {
    const size_t b = body.find('-', a);
    f.push_back(body.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  VodSegment s;
  if (f.size() != 5 || !parse_ms(f[0], &s.position) || !valid_id(f[1]) || !parse_ms(f[2], &s.from.offset) ||
      !valid_id(f[3]) || !parse_ms(f[4], &s.to.offset))
    return std::nullopt;
  s.from.id = f[1];
  s.to.id = f[3];
  return s;
}

std::vector<VodSegment> plan_vod(const std::vector<IndexedMedia>& files, double end, double target) {
  struct Key {
    double pos;
    size_t file;
    double offset;
    bool forced;  // the stream's picture size changes here: a segment must start
  };
  std::vector<Key> keys;
  std::vector<double> length(files.size());
  double c = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const IndexedMedia& f = files[i];
    length[i] = i + 1 == files.size() ? played_length(f, end) : f.duration;
    const bool changed = i > 0 && (f.width != files[i - 1].width || f.height != files[i - 1].height);
    bool first = true;
    for (double k : f.keyframes) {
      const double off = k - f.dts.front();
      if (off >= length[i]) break;
      keys.push_back({c + off, i, off, changed && first});
      first = false;
    }
    c += length[i];
  }
  std::vector<VodSegment> out;
  if (keys.empty()) return out;
  // The playlist starts at the first keyframe (what comes before it cannot be decoded).
  const double origin = keys.front().pos;
  for (Key& k : keys) k.pos -= origin;
  const double total = c - origin;
  if (total <= 0) return out;
  // Keyframes chosen as segment starts: the first, then the first at or after each
  // multiple of `target` (at least 1 s into the segment), and every forced one.
  std::vector<size_t> starts{0};
  for (size_t k = 1; k < keys.size(); ++k) {
    const double begun = keys[starts.back()].pos;
    const double due = (std::floor(begun / target + 1e-6) + 1) * target;
    if (keys[k].forced || (keys[k].pos >= due - 0.05 && keys[k].pos - begun >= 1.0)) starts.push_back(k);
  }
  for (size_t s = 0; s < starts.size(); ++s) {
    const Key& a = keys[starts[s]];
    VodSegment seg;
    seg.position = a.pos;
    seg.from = {files[a.file].id, a.offset};
    if (files[a.file].start > 0) seg.wall = files[a.file].start + a.offset;
    if (s + 1 < starts.size()) {
      const Key& b = keys[starts[s + 1]];
      seg.to = {files[b.file].id, b.offset};
      seg.duration = b.pos - a.pos;
    } else {
      seg.to = {files.back().id, length.back()};
      seg.duration = total - a.pos;
    }
    out.push_back(seg);
  }
  return out;
}

std::vector<VodPiece> vod_pieces(const VodSegment& seg, const std::vector<IndexedMedia>& files) {
  std::vector<VodPiece> out;
  if (files.empty() || files.front().id != seg.from.id || files.back().id != seg.to.id) return out;
  double base = seg.position;
  for (size_t i = 0; i < files.size(); ++i) {
    VodPiece p{i, i == 0 ? seg.from.offset : 0, i + 1 == files.size() ? seg.to.offset : files[i].duration, base};
    if (p.stop > p.begin) {
      out.push_back(p);
      base += p.stop - p.begin;
    }
  }
  return out;
}

}  // namespace vigil
