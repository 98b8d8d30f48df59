// Moving 1 GB of recording segments between two folders (docs/storage.md "Tiers"):
// vigil's move (copy, fsync file and folder, rename, fsync, unlink the source, per
// segment) against `cp` of the same files, in one run, on the same disk.
// Usage: bench_tier_move [folder (default /tmp)] [MB (default 1000)] [segment MB (default 8)]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/tier_move.h"

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path base = fs::path(argc > 1 ? argv[1] : "/tmp") / ("vigil_tier_bench_" + std::to_string(getpid()));
  const size_t total_mb = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  const size_t seg_mb = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 8;
  const size_t n = (total_mb + seg_mb - 1) / seg_mb;
  const std::string a = (base / "a/recordings").string(), b = (base / "b/recordings").string(),
                    c = (base / "c/recordings").string();
  std::vector<std::string> rels;
  std::string block(seg_mb * 1000000, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = char(i * 2654435761u >> 13);  // not all zeros
  for (size_t i = 0; i < n; ++i) {
    char rel[64];
    std::snprintf(rel, sizeof rel, "2026-12/07/%02zu/bench/%02zu.%02zu.mp4", i / 3600 % 24, i / 60 % 60, i % 60);
    fs::create_directories(fs::path(a + "/" + rel).parent_path());
    std::ofstream(a + "/" + rel, std::ios::binary) << block;
    rels.push_back(rel);
  }
  fs::create_directories(fs::path(c).parent_path());
  if (std::system("sync") != 0) return 1;
  // cp of the same files (to a third folder, so both read the same source), then sync.
  auto t0 = std::chrono::steady_clock::now();
  const std::string cmd = "cp -r " + a + " " + c + " && sync";
  if (std::system(cmd.c_str()) != 0) return 1;
  const double cp_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  for (const std::string& rel : rels) {
    vigil::Status st = vigil::copy_segment(a, b, rel);
    if (st) st = vigil::remove_source(a, rel);
    if (!st) {
      std::fprintf(stderr, "move failed: %s\n", st.why().c_str());
      return 1;
    }
  }
  const double mv_s = seconds_since(t0);
  const double mb = double(n * seg_mb);
  std::printf(
      "moved %zu segments of %zu MB (%.0f MB): vigil move %.2f s (%.0f MB/s), cp -r + sync %.2f s (%.0f MB/s), "
      "ratio %.2f\n",
      n, seg_mb, mb, mv_s, mb / mv_s, cp_s, mb / cp_s, mv_s / cp_s);
  fs::remove_all(base);
  return 0;
}
