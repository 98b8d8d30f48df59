#include "storage/media_layout.h"

#include <cstdio>
#include <ctime>

namespace vigil {
namespace {

const char* extension(EventMedium m) { return m == EventMedium::kClip ? ".mp4" : ".jpg"; }

bool digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(const std::string& s, size_t pos, size_t len) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i)
    if (!digit(s[i])) return false;
  return true;
}

// `len` decimal digits of `s` at `pos`, within [lo, hi].
std::optional<int> digits(const std::string& s, size_t pos, size_t len, int lo, int hi) {
  if (!all_digits(s, pos, len)) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::tm local_tm(double wall) {
  std::time_t t = std::time_t(wall);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

std::string two(int v) {
  char s[8];
  std::snprintf(s, sizeof s, "%02d", v);
  return s;
}

}  // namespace

double local_time(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  tm.tm_isdst = -1;  // let the time zone rules decide
  return double(std::mktime(&tm));
}

// ---- clips/ ----

std::string MediaLayout::snapshot(const std::string& camera, const std::string& id) const {
  return event_file(EventMedium::kSnapshot, camera, id);
}

std::string MediaLayout::pending_snapshot(const std::string& camera, const std::string& id) const {
  return pending_dir() + "/" + event_file_name(EventMedium::kSnapshot, camera, id);
}

std::string MediaLayout::clip(const std::string& camera, const std::string& id) const {
  return event_file(EventMedium::kClip, camera, id);
}

std::string MediaLayout::event_file(EventMedium m, const std::string& camera, const std::string& id) const {
  return clips_dir() + "/" + event_file_name(m, camera, id);
}

std::string event_file_name(EventMedium m, const std::string& camera, const std::string& id) {
  return camera + "-" + id + extension(m);
}

bool is_event_file_name(const std::string& name) {
  return !name.starts_with(".") && (name.ends_with(".mp4") || name.ends_with(".jpg"));
}

bool names_event(const std::string& name, const std::string& id) {
  return name.find("-" + id + ".") != std::string::npos;
}

std::string temporary_name(const std::string& name) { return "." + name + ".tmp"; }

bool is_temporary_name(const std::string& name) { return name.size() > 4 && name[0] == '.' && name.ends_with(".tmp"); }

// ---- cache/ ----

CacheSegmentName CacheSegmentName::at(const std::string& camera, double wall, bool part) {
  const std::tm tm = local_tm(wall);
  char s[32];
  std::strftime(s, sizeof s, "%Y%m%d%H%M%S", &tm);
  return {camera, s, part};
}

std::optional<CacheSegmentName> CacheSegmentName::parse(const std::string& file_name) {
  std::string s = file_name;
  CacheSegmentName n;
  n.part = s.starts_with(".") && s.ends_with(".mp4.part");
  if (n.part) s = s.substr(1, s.size() - 1 - 5);
  constexpr size_t kTail = 1 + 14 + 4;  // "-YYYYmmddHHMMSS.mp4"
  if (s.size() <= kTail || !s.ends_with(".mp4")) return std::nullopt;
  const size_t dash = s.size() - kTail;
  if (s[dash] != '-' || !all_digits(s, dash + 1, 14)) return std::nullopt;
  n.camera = s.substr(0, dash);
  n.stamp = s.substr(dash + 1, 14);
  if (n.camera.empty() || n.camera[0] == '.') return std::nullopt;
  return n;
}

std::string CacheSegmentName::file_name() const {
  const std::string base = camera + "-" + stamp + ".mp4";
  return part ? "." + base + ".part" : base;
}

double CacheSegmentName::wall() const {
  std::tm tm{};
  if (!strptime(stamp.c_str(), "%Y%m%d%H%M%S", &tm)) return 0;
  tm.tm_isdst = -1;
  return double(std::mktime(&tm));
}

// ---- recordings/ ----

RecordingSegmentName RecordingSegmentName::at(const std::string& camera, double wall, int extra) {
  const std::tm tm = local_tm(wall);
  std::tm t = tm;
  t.tm_sec += extra;
  std::mktime(&t);  // normalises, keeping the DST flag of `wall`
  return {camera, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, t.tm_min, t.tm_sec};
}

std::optional<RecordingSegmentName> RecordingSegmentName::parse(const std::vector<std::string>& parts) {
  if (parts.size() != 5) return std::nullopt;
  const RecordingDatePrefix d = RecordingDatePrefix::parse(parts);
  const std::string& name = parts[4];
  if (d.levels != 3 || parts[3].empty() || name.size() != 9 || name[2] != '.' || name.substr(5) != ".mp4")
    return std::nullopt;
  auto minute = digits(name, 0, 2, 0, 59), second = digits(name, 3, 2, 0, 59);
  if (!minute || !second) return std::nullopt;
  return RecordingSegmentName{parts[3], d.year, d.month, d.day, d.hour, *minute, *second};
}

std::string RecordingSegmentName::folder() const {
  return std::to_string(year) + "-" + two(month) + "/" + two(day) + "/" + two(hour) + "/" + camera;
}

std::string RecordingSegmentName::file_name() const { return two(minute) + "." + two(second) + ".mp4"; }

std::string RecordingSegmentName::part_name() const { return "." + file_name() + ".part"; }

double RecordingSegmentName::start() const { return local_time(year, month, day, hour, minute, second); }

std::string recording_hour_folder(double wall) {
  const std::tm tm = local_tm(wall);
  char hour[32];
  std::strftime(hour, sizeof hour, "%Y-%m/%d/%H", &tm);
  return hour;
}

std::optional<std::string> recording_part_final_name(const std::string& part_name) {
  if (!part_name.starts_with(".") || !part_name.ends_with(".mp4.part") || part_name.size() <= 1 + 9)
    return std::nullopt;
  return part_name.substr(1, part_name.size() - 1 - 5);
}

RecordingDatePrefix RecordingDatePrefix::parse(const std::vector<std::string>& parts) {
  RecordingDatePrefix d;
  if (parts.empty() || parts[0].size() != 7 || parts[0][4] != '-') return d;
  auto y = digits(parts[0], 0, 4, 1970, 9999), m = digits(parts[0], 5, 2, 1, 12);
  if (!y || !m) return d;
  d = {*y, *m, 1, 0, 1};
  if (parts.size() < 2 || parts[1].size() != 2) return d;
  auto day = digits(parts[1], 0, 2, 1, 31);
  if (!day) return d;
  d.day = *day;
  d.levels = 2;
  if (parts.size() < 3 || parts[2].size() != 2) return d;
  auto hour = digits(parts[2], 0, 2, 0, 23);
  if (!hour) return d;
  d.hour = *hour;
  d.levels = 3;
  return d;
}

std::optional<double> RecordingDatePrefix::end() const {
  switch (levels) {
    case 1:
      return local_time(year, month + 1, 1, 0, 0, 0);
    case 2:
      return local_time(year, month, day + 1, 0, 0, 0);
    case 3:
      return local_time(year, month, day, hour + 1, 0, 0);
    default:
      return std::nullopt;
  }
}

bool looks_like_recording_month(const std::string& s) {
  return s.size() == 7 && all_digits(s, 0, 4) && s[4] == '-' && all_digits(s, 5, 2);
}

bool looks_like_recording_two_digits(const std::string& s) { return s.size() == 2 && all_digits(s, 0, 2); }

bool looks_like_recording_file(const std::string& s) {
  return s.size() == 9 && all_digits(s, 0, 2) && s[2] == '.' && all_digits(s, 3, 2) && s.compare(5, 4, ".mp4") == 0;
}

}  // namespace vigil
