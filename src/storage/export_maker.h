// Exports (issue 13; Frigate 0.14's /api/export…): a time range of one camera's
// recordings cut into <media>/exports/<id>.mp4 by stream copy (range_clip: the same cut
// as event clips, keyframe start with an edit list), one at a time on its own thread,
// kept until deleted. Rows live in the `export` table (EventDb); progress in memory.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "storage/export_record.h"
#include "storage/recording_roots.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

class EventDb;

class ExportMaker {
 public:
  static constexpr double kMaxSeconds = 24 * 3600;  // a longer range is refused
  static constexpr size_t kMaxQueued = 16;          // exports waiting; more are refused
  static constexpr size_t kMaxName = 256;           // bytes of a name

  // `recordings`: every storage tier's recordings folder (RecordingRoots::of(config)).
  ExportMaker(EventDb& db, std::string media_dir, RecordingRoots recordings,
              const Clock& clock = SystemClock::instance());
  ~ExportMaker();

  // Start-up: exports a stop or crash left unfinished are marked failed and their
  // temporaries deleted; then the thread starts.
  void start();
  // Finishes the export being cut (its file is complete or removed), fails the ones
  // still queued, joins the thread. Idempotent.
  void stop();

  struct Submitted {
    std::string id;     // "" when refused
    std::string error;  // why it was refused (queue full)
  };
  // Queues [start, end] of `camera` (the caller checked the camera, the range and that
  // recordings exist). `name` "" = "<camera> <local start time>".
  Submitted submit(const std::string& camera, double start, double end, std::string name);

  // 0..1 while queued (0) or being cut; nullopt when `id` is not waiting or running.
  std::optional<double> progress(const std::string& id) const;
  // Per camera, the earliest wall time an export waiting or running still reads
  // (retention keeps recordings from there on).
  std::map<std::string, double> recording_holds() const;

  std::string exports_dir() const;

 private:
  void loop();
  void cut(const ExportRecord& e);

  EventDb& db_;
  const std::string media_dir_;
  const RecordingRoots recordings_;
  Worker worker_;
  // Guarded by worker_.mutex(): exports waiting (oldest first), the one being cut
  // (running_id_ "" = none) and how far it is.
  std::deque<ExportRecord> queue_;
  std::string running_id_;
  std::string running_camera_;
  double running_start_ = 0;
  double running_progress_ = 0;
};

}  // namespace vigil
