// Event snapshots on disk (storage.md §3, §7; pipeline.md §11): the best frame of an
// event rendered with the camera's `snapshots` settings, written atomically as the
// final `clips/<camera>-<id>.jpg` or, while the event lasts, `clips/.pending/…`.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "storage/media_layout.h"
#include "tracking/objects.h"

namespace vigil {

class SnapshotWriter {
 public:
  explicit SnapshotWriter(MediaLayout layout) : layout_(std::move(layout)) {}

  // Renders and writes the snapshot of `o`. nullopt when written; otherwise why not
  // (no frame, or the failing step with its errno text).
  std::optional<std::string> write(const CameraConfig& cam, const TrackedObject& o, bool pending) const;
  // Deletes the pending snapshot of an event (once its row is finished).
  void remove_pending(const std::string& camera, const std::string& id) const;

 private:
  const MediaLayout layout_;
};

}  // namespace vigil
