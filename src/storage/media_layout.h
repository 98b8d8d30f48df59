// The on-disk layout of the media folder (storage.md §1): the one place that names and
// parses every path vigil writes below media_dir. Values only; no I/O.
//
//   clips/<camera>-<event id>.jpg|.mp4        snapshot / clip of a finished event
//   clips/.pending/<camera>-<event id>.jpg    latest snapshot of an event in progress
//   clips/.<name>.tmp                         a file being written (files.h)
//   recordings/YYYY-MM/DD/HH/<camera>/MM.SS.mp4 (+ `.MM.SS.mp4.part` while written)
//   cache/<camera>-YYYYmmddHHMMSS.mp4          (+ `.<camera>-….mp4.part` while written)
//   exports/<camera>_<6 of [a-z0-9]>.mp4        an export (+ `.<name>.tmp` while cut)
//
// Times in names are the local time of the server (localtime_r / mktime with
// tm_isdst = -1), to the second.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vigil {

// What a file of an event holds.
enum class EventMedium { kSnapshot, kClip };

class MediaLayout {
 public:
  explicit MediaLayout(std::string media_dir) : media_dir_(std::move(media_dir)) {}

  const std::string& media_dir() const { return media_dir_; }
  std::string clips_dir() const { return media_dir_ + "/clips"; }
  std::string pending_dir() const { return clips_dir() + "/.pending"; }
  std::string recordings_dir() const { return media_dir_ + "/recordings"; }
  std::string cache_dir() const { return media_dir_ + "/cache"; }
  std::string exports_dir() const { return media_dir_ + "/exports"; }

  // clips/<camera>-<id>.jpg
  std::string snapshot(const std::string& camera, const std::string& id) const;
  // clips/.pending/<camera>-<id>.jpg
  std::string pending_snapshot(const std::string& camera, const std::string& id) const;
  // clips/<camera>-<id>.mp4
  std::string clip(const std::string& camera, const std::string& id) const;
  std::string event_file(EventMedium m, const std::string& camera, const std::string& id) const;

 private:
  std::string media_dir_;  // no trailing '/'
};

// ---- clips/ ----

// "<camera>-<id>.jpg" or "<camera>-<id>.mp4".
std::string event_file_name(EventMedium m, const std::string& camera, const std::string& id);
// Whether `name` is a finished event's snapshot or clip name (not a dot-file).
bool is_event_file_name(const std::string& name);
// Whether `name` is a file of event `id` (of any camera): "…-<id>.<ext>".
bool names_event(const std::string& name, const std::string& id);
// The temporary a file `name` is written as before it is renamed into place: ".<name>.tmp".
std::string temporary_name(const std::string& name);
bool is_temporary_name(const std::string& name);

// ---- cache/ ----

// A clip-cache segment name: `<camera>-YYYYmmddHHMMSS.mp4`, `.<…>.part` while written.
struct CacheSegmentName {
  std::string camera;
  std::string stamp;  // YYYYmmddHHMMSS, local time of the first packet
  bool part = false;  // the segment being written

  // The segment of `camera` starting at wall time `wall` (seconds truncated).
  static CacheSegmentName at(const std::string& camera, double wall, bool part = false);
  // Parses a file name; the camera is split from the stamp at the last '-'.
  static std::optional<CacheSegmentName> parse(const std::string& file_name);

  std::string file_name() const;
  // The same segment closed / being written.
  CacheSegmentName closed() const { return {camera, stamp, false}; }
  CacheSegmentName written() const { return {camera, stamp, true}; }
  // Wall time of the stamp (0 if it is no valid local time).
  double wall() const;
};

// ---- recordings/ ----

// A 24/7 segment: recordings/YYYY-MM/DD/HH/<camera>/MM.SS.mp4, the local time of its
// first packet.
struct RecordingSegmentName {
  std::string camera;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;

  // The segment of `camera` starting at `wall`; `extra` seconds later for its file name
  // only (the next free second when the name is taken; the folder stays the hour of `wall`).
  static RecordingSegmentName at(const std::string& camera, double wall, int extra = 0);
  // Parses a path relative to recordings/ given as its parts {YYYY-MM, DD, HH, camera,
  // MM.SS.mp4}; fields must be in range.
  static std::optional<RecordingSegmentName> parse(const std::vector<std::string>& parts);

  std::string folder() const;     // "YYYY-MM/DD/HH/<camera>"
  std::string file_name() const;  // "MM.SS.mp4"
  std::string part_name() const;  // ".MM.SS.mp4.part"
  std::string relative_path() const { return folder() + "/" + file_name(); }
  // Unix time of the name's local time (mktime decides DST).
  double start() const;
};

// "YYYY-MM/DD/HH" of the local hour holding `wall`: the folder holding the segments that
// started in that hour (one subfolder per camera).
std::string recording_hour_folder(double wall);
// The final name of a recording being written: ".MM.SS.mp4.part" → "MM.SS.mp4"; nullopt
// for any other name.
std::optional<std::string> recording_part_final_name(const std::string& part_name);

// The date folders below recordings/ as far as they parse: {YYYY-MM}, {…, DD}, {…, HH}.
struct RecordingDatePrefix {
  int year = 0, month = 0, day = 1, hour = 0;
  int levels = 0;  // 0 none, 1 month, 2 day, 3 hour
  static RecordingDatePrefix parse(const std::vector<std::string>& parts);
  // Unix time at which the month/day/hour ends; nullopt when levels == 0.
  std::optional<double> end() const;
};

// Shape checks of names below recordings/ (digits where digits go; no range check), as
// the HTTP file server accepts them: "YYYY-MM", "DD"/"HH", "MM.SS.mp4".
bool looks_like_recording_month(const std::string& name);
bool looks_like_recording_two_digits(const std::string& name);
bool looks_like_recording_file(const std::string& name);

// Unix time of a local calendar time; mktime normalises overflowing fields (month 13, …).
double local_time(int year, int month, int day, int hour, int minute, int second);

}  // namespace vigil
