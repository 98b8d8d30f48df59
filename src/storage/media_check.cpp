#include "storage/media_check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

extern "C" {
#include <libavformat/avformat.h>
}

#include "storage/event_db.h"
#include "storage/media_layout.h"
#include "storage/recording_roots.h"
#include "storage/tier_move.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

std::string av_error(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// Opens `path` and reads every packet; the reason when that fails or yields no video.
std::string decode_problem(const std::string& path) {
  AVFormatContext* fmt = nullptr;
  int err = avformat_open_input(&fmt, path.c_str(), nullptr, nullptr);
  if (err < 0) return "cannot open: " + av_error(err);
  std::string why;
  if ((err = avformat_find_stream_info(fmt, nullptr)) < 0) why = "no stream info: " + av_error(err);
  const int video = why.empty() ? av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0) : -1;
  if (why.empty() && video < 0) why = "no video stream";
  size_t packets = 0;
  if (why.empty()) {
    AVPacket* pkt = av_packet_alloc();
    while ((err = av_read_frame(fmt, pkt)) >= 0) {
      packets += pkt->stream_index == video;
      av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    if (err != AVERROR_EOF)
      why = "read error: " + av_error(err);
    else if (packets == 0)
      why = "no video packets";
  }
  avformat_close_input(&fmt);
  return why;
}

bool remove(const std::string& path, std::string* why) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return true;
  *why = std::strerror(errno);
  return false;
}

}  // namespace

int lock_media_dir(const std::string& media_dir) {
  const std::string path = media_dir + "/.vigil.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

CheckReport check_media(const Config& cfg, bool fix, const std::function<void(const CheckFinding&)>& line) {
  CheckReport rep;
  auto add = [&](CheckFinding f) {
    if (line) line(f);
    rep.findings.push_back(std::move(f));
  };
  const RecordingRoots roots = RecordingRoots::of(cfg);
  // Interrupted moves first: what follows sees each segment once.
  reconcile_tiers(roots, fix, [&](const TierFinding& f, const Status& st) {
    CheckFinding c{f.kind == TierFinding::kTemporary ? "temporary" : "half-move", f.path,
                   f.kind == TierFinding::kTemporary   ? "an interrupted move's copy"
                   : f.kind == TierFinding::kDuplicate ? "also on the next tier as " + f.kept + " (same size): finish"
                                                       : "differs from " + f.kept + ": roll back",
                   fix && st.ok()};
    if (fix && !st) {
      ++rep.fix_errors;
      c.detail += " (repair failed: " + st.why() + ")";
    }
    add(std::move(c));
  });
  for (size_t tier = 0; tier < roots.size(); ++tier) {
    std::error_code ec;
    const fs::path root(roots[tier]);
    if (!fs::is_directory(root, ec)) continue;
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code dec;
      if (!it->is_directory(dec)) files.push_back(it->path());
    }
    for (const fs::path& p : files) {
      const std::string name = p.filename().string();
      std::vector<std::string> parts;
      for (const auto& c : p.lexically_relative(root)) parts.push_back(c.string());
      if (tier == 0 && recording_part_final_name(name)) continue;             // being written (or recovered at start)
      if (is_move_temporary_name(name) || is_temporary_name(name)) continue;  // reported above / a remux's
      std::string why;
      if (!RecordingSegmentName::parse(parts)) {
        CheckFinding f{"orphan", p.string(), "not a recording segment vigil writes", false};
        if (fix) {
          f.fixed = remove(p.string(), &why);
          if (!f.fixed) ++rep.fix_errors, f.detail += " (delete failed: " + why + ")";
        }
        add(std::move(f));
        continue;
      }
      ++rep.segments_checked;
      const std::string problem = decode_problem(p.string());
      if (problem.empty()) continue;
      CheckFinding f{"undecodable", p.string(), problem, false};
      if (fix) {
        f.fixed = remove(p.string(), &why);
        if (!f.fixed) ++rep.fix_errors, f.detail += " (delete failed: " + why + ")";
      }
      add(std::move(f));
    }
  }
  // Event rows claiming files that are gone.
  std::error_code dec;
  if (fs::exists(cfg.database_path, dec)) {
    EventDb db(cfg.database_path);
    const MediaLayout layout(cfg.media_dir);
    for (const bool clip : {true, false}) {
      EventQuery q;
      q.limit = -1;
      q.include_thumbnails = false;
      (clip ? q.has_clip : q.has_snapshot) = 1;
      for (const EventRecord& e : db.list(q)) {
        const std::string path = layout.event_file(clip ? EventMedium::kClip : EventMedium::kSnapshot, e.camera, e.id);
        if (fs::exists(path, dec)) continue;
        CheckFinding f{"dead-row", e.id, std::string(clip ? "clip " : "snapshot ") + path + " is missing", false};
        if (fix) {
          f.fixed = clip ? db.clear_clip(e.id) : db.clear_snapshot(e.id);
          if (!f.fixed) ++rep.fix_errors;
        }
        add(std::move(f));
      }
    }
  }
  return rep;
}

}  // namespace vigil
