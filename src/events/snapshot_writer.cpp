#include "events/snapshot_writer.h"

#include <filesystem>
#include <system_error>

#include "render/render.h"
#include "storage/files.h"

namespace vigil {

std::optional<std::string> SnapshotWriter::write(const CameraConfig& cam, const TrackedObject& o, bool pending) const {
  if (!o.best || !o.best->frame) return "the event has no frame";
  if (pending) {
    std::error_code ec;
    std::filesystem::create_directories(layout_.pending_dir(), ec);
    if (ec) return "cannot create " + layout_.pending_dir() + ": " + ec.message();
  }
  const auto& s = cam.snapshots;
  const std::string jpeg =
      render_snapshot(*o.best, o.label, cam, s.timestamp, s.bounding_box, s.crop, s.height.value_or(0));
  const std::string path = pending ? layout_.pending_snapshot(cam.name, o.id) : layout_.snapshot(cam.name, o.id);
  if (Status st = write_file_atomically(path, jpeg); !st) return st.why();
  return std::nullopt;
}

void SnapshotWriter::remove_pending(const std::string& camera, const std::string& id) const {
  std::error_code ec;
  std::filesystem::remove(layout_.pending_snapshot(camera, id), ec);
}

}  // namespace vigil
