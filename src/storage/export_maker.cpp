#include "storage/export_maker.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "storage/event_db.h"
#include "storage/files.h"
#include "storage/media_layout.h"
#include "storage/range_clip.h"
#include "util/log.h"
#include "util/time_text.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

// Frigate 0.14's export id: the camera, '_', six of [a-z0-9].
std::string new_export_id(const std::string& camera) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, sizeof(kChars) - 2);
  std::string id = camera + "_";
  for (int i = 0; i < 6; ++i) id += kChars[pick(rng)];
  return id;
}

}  // namespace

ExportMaker::ExportMaker(EventDb& db, std::string media_dir, RecordingRoots recordings, const Clock& clock)
    : db_(db), media_dir_(std::move(media_dir)), recordings_(std::move(recordings)), worker_(clock) {}

ExportMaker::~ExportMaker() { stop(); }

std::string ExportMaker::exports_dir() const { return MediaLayout(media_dir_).exports_dir(); }

void ExportMaker::start() {
  auto log = logger("vigil.export");
  if (int n = db_.fail_unfinished_exports("interrupted: vigil stopped before the export was finished"))
    log->warn("{} export(s) left unfinished by the last run marked failed", n);
  std::error_code ec;
  fs::create_directories(exports_dir(), ec);
  if (ec) log->error("cannot create {}: {}", exports_dir(), ec.message());
  // Temporaries of cuts a crash interrupted (the published files are complete).
  for (const auto& entry : fs::directory_iterator(exports_dir(), ec))
    if (is_temporary_name(entry.path().filename().string())) fs::remove(entry.path(), ec);
  worker_.start([this] { loop(); });
}

void ExportMaker::stop() {
  if (!worker_.running()) return;
  worker_.stop();  // the cut in progress sees stopping() in its progress callback
  std::deque<ExportRecord> left;
  {
    std::lock_guard lock(worker_.mutex());
    left.swap(queue_);
  }
  for (const ExportRecord& e : left) db_.finish_export(e.id, "cancelled: vigil stopped before the export started");
}

ExportMaker::Submitted ExportMaker::submit(const std::string& camera, double start, double end, std::string name) {
  ExportRecord e;
  e.id = new_export_id(camera);
  e.camera = camera;
  e.name = name.empty() ? camera + " " + format_local_time(start, "%Y-%m-%d %H:%M:%S") : std::move(name);
  e.date = start;
  e.video_path = exports_dir() + "/" + e.id + ".mp4";
  e.in_progress = true;
  e.start_time = start;
  e.end_time = end;
  {
    std::lock_guard lock(worker_.mutex());
    if (queue_.size() >= kMaxQueued) return {"", "too many exports waiting; retry when one has finished"};
    db_.insert_export(e);
    queue_.push_back(e);
  }
  worker_.notify();
  return {e.id, ""};
}

std::optional<double> ExportMaker::progress(const std::string& id) const {
  std::lock_guard lock(worker_.mutex());
  if (id == running_id_) return running_progress_;
  for (const ExportRecord& e : queue_)
    if (e.id == id) return 0.0;
  return std::nullopt;
}

std::map<std::string, double> ExportMaker::recording_holds() const {
  std::lock_guard lock(worker_.mutex());
  std::map<std::string, double> holds;
  auto hold = [&holds](const std::string& camera, double from) {
    auto [it, fresh] = holds.emplace(camera, from);
    if (!fresh) it->second = std::min(it->second, from);
  };
  if (!running_id_.empty()) hold(running_camera_, running_start_);
  for (const ExportRecord& e : queue_) hold(e.camera, e.start_time);
  return holds;
}

void ExportMaker::loop() {
  for (;;) {
    ExportRecord e;
    {
      std::unique_lock lock(worker_.mutex());
      if (!worker_.wait(lock, [this] { return !queue_.empty(); })) return;
      e = std::move(queue_.front());
      queue_.pop_front();
      running_id_ = e.id;
      running_camera_ = e.camera;
      running_start_ = e.start_time;
      running_progress_ = 0;
    }
    cut(e);
    std::lock_guard lock(worker_.mutex());
    running_id_.clear();
  }
}

void ExportMaker::cut(const ExportRecord& e) {
  auto log = logger("vigil.export");
  log->info("export {}: cutting {} from {:.3f} to {:.3f}", e.id, e.camera, e.start_time, e.end_time);
  const ClipResult r = range_clip(recordings_, e.camera, e.start_time, e.end_time, e.video_path, [this](double done) {
    std::lock_guard lock(worker_.mutex());
    running_progress_ = done;
    return !worker_.stopping();
  });
  if (r.ok) {
    log->info("export {}: {:.1f} s written to {}", e.id, r.duration, e.video_path);
    db_.finish_export(e.id, "");
  } else {
    log->error("export {} of {} failed: {}", e.id, e.camera, r.why);
    db_.finish_export(e.id, r.why == "cancelled" ? "cancelled: vigil stopped during the export" : r.why);
  }
}

}  // namespace vigil
