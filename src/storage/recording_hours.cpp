#include "storage/recording_hours.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "storage/media_layout.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> sorted_names(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    out.push_back(it->path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<RecordingFile> recording_files(const RecordingRoots& roots, const std::string& camera, double after,
                                           double before) {
  std::vector<RecordingFile> out;
  std::vector<double> mtimes;
  std::set<std::string> seen;  // relative paths: a segment on two tiers (mid-move) counts once
  for (const std::string& recordings_dir : roots.all()) {
    const fs::path root(recordings_dir);
    for (const std::string& month : sorted_names(root)) {
      if (!looks_like_recording_month(month)) continue;
      for (const std::string& day : sorted_names(root / month)) {
        if (!looks_like_recording_two_digits(day)) continue;
        for (const std::string& hour : sorted_names(root / month / day)) {
          if (!looks_like_recording_two_digits(hour)) continue;
          const auto end = RecordingDatePrefix::parse({month, day, hour}).end();
          // A segment starting in this hour may run past it: keep the hour if it ends after
          // `after`; one that began over an hour before `before` cannot hold later starts.
          if (!end || *end <= after || *end - 2 * 3600 >= before) continue;
          const fs::path folder = root / month / day / hour / camera;
          std::optional<double> hour_start;  // local_time (mktime) once per folder, not per file
          for (const std::string& file : sorted_names(folder)) {
            if (!looks_like_recording_file(file)) continue;
            auto name = RecordingSegmentName::parse({month, day, hour, camera, file});
            if (!name) continue;
            if (!hour_start) hour_start = local_time(name->year, name->month, name->day, name->hour, 0, 0);
            // Within an hour the UTC offset does not change (DST changes fall on the hour).
            const double start = *hour_start + name->minute * 60 + name->second;
            if (start < after || start >= before) continue;
            if (!seen.insert(name->relative_path()).second) continue;
            struct stat st {};
            if (stat((folder / file).c_str(), &st) != 0) continue;
            out.push_back({start, 0, uint64_t(st.st_size)});
            mtimes.push_back(double(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9);
          }
        }
      }
    }
  }
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return out[a].start < out[b].start; });
  std::vector<RecordingFile> sorted;
  for (size_t k = 0; k < order.size(); ++k) {
    RecordingFile f = out[order[k]];
    double end = mtimes[order[k]];
    if (k + 1 < order.size()) end = std::min(end, out[order[k + 1]].start);
    f.duration = std::max(0.0, end - f.start);
    sorted.push_back(f);
  }
  return sorted;
}

}  // namespace vigil
