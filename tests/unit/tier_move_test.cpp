// Storage tiers' file operations (storage/tier_move.h, storage/recording_roots.h): a move
// keeps bytes and modification time, the one lookup finds a segment on either tier, and
// the start-up repair finishes, rolls back or cleans each kind of interrupted move.
#include "storage/tier_move.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/recording_hours.h"
#include "storage/recording_index.h"
#include "storage/segment_index.h"
#include "test_media.h"

namespace vigil {
namespace {
namespace fs = std::filesystem;

std::string read_all(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const std::string& p, const std::string& bytes) {
  fs::create_directories(fs::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

const std::string kRel2 = "2026-12/07/02/yard/10.00.mp4";

}  // namespace

TEST(TierMove, CopyKeepsBytesAndTimeThenTheSourceGoes) {
  const std::string d = test::temp_dir(), a = d + "/a/recordings", b = d + "/b/recordings";
  write(a + "/" + kRel2, std::string(100000, 'x'));
  struct timespec t[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (a + "/" + kRel2).c_str(), t, 0), 0);
  ASSERT_TRUE(copy_segment(a, b, kRel2).ok());
  EXPECT_EQ(read_all(b + "/" + kRel2), std::string(100000, 'x'));
  struct stat st {};
  ASSERT_EQ(::stat((b + "/" + kRel2).c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  const RecordingRoots roots(std::vector<std::string>{a, b});
  EXPECT_EQ(roots.tier_of(kRel2), 0u) << "both copies: the first tier answers";
  ASSERT_TRUE(remove_source(a, kRel2).ok());
  EXPECT_EQ(roots.tier_of(kRel2), 1u);
  EXPECT_EQ(roots.locate(kRel2), b + "/" + kRel2);
  EXPECT_EQ(recordings_between(roots, "yard", 0, 4e9).size(), 1u);
  EXPECT_TRUE(reconcile_tiers(roots, false).empty());
}

TEST(TierMove, AFailedCopyLeavesNoTemporary) {
  const std::string d = test::temp_dir(), a = d + "/a/recordings", b = d + "/b/recordings";
  EXPECT_FALSE(copy_segment(a, b, kRel2).ok());  // no source
  write(d + "/c", "a file where the tier's folder should be");
  write(a + "/" + kRel2, "v");
  Status st = copy_segment(a, d + "/c/recordings", kRel2);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.why().find("create folder"), std::string::npos) << st.why();
}

TEST(TierMove, ReconcileFinishesRollsBackAndCleans) {
  const std::string d = test::temp_dir(), a = d + "/a/recordings", b = d + "/b/recordings";
  const std::string same = "2026-12/07/02/yard/10.00.mp4", diff = "2026-12/07/02/yard/11.00.mp4",
                    tmp = "2026-12/07/02/yard/.12.00.mp4.move";
  write(a + "/" + same, "12345");
  write(b + "/" + same, "12345");
  write(a + "/" + diff, "12345");
  write(b + "/" + diff, "123");
  write(b + "/" + tmp, "12");
  const RecordingRoots roots(std::vector<std::string>{a, b});
  EXPECT_EQ(reconcile_tiers(roots, false).size(), 3u);
  EXPECT_TRUE(fs::exists(a + "/" + same)) << "dry run";
  const auto found = reconcile_tiers(roots, true);
  EXPECT_EQ(found.size(), 3u);
  EXPECT_FALSE(fs::exists(a + "/" + same)) << "finished: the source went";
  EXPECT_TRUE(fs::exists(b + "/" + same));
  EXPECT_TRUE(fs::exists(a + "/" + diff)) << "rolled back: the source stays";
  EXPECT_FALSE(fs::exists(b + "/" + diff));
  EXPECT_FALSE(fs::exists(b + "/" + tmp));
  EXPECT_TRUE(reconcile_tiers(roots, false).empty());
}

TEST(TierMove, TheIndexWalksEveryTierAndMovesAnEntryInPlace) {
  const std::string d = test::temp_dir(), a = d + "/a/recordings", b = d + "/b/recordings";
  write(a + "/2026-12/07/02/yard/10.00.mp4", std::string(5000, 'a'));
  write(b + "/2026-12/07/01/yard/10.00.mp4", std::string(5000, 'b'));
  SegmentIndex idx(RecordingRoots(std::vector<std::string>{a, b}));
  EXPECT_EQ(idx.load(), 2u);
  EXPECT_EQ(idx.count_on_tier(0), 1u);
  EXPECT_EQ(idx.count_on_tier(1), 1u);
  const std::vector<uint64_t> by_tier = idx.tier_bytes("yard");
  ASSERT_EQ(by_tier.size(), 2u);
  EXPECT_GT(by_tier[0], 0u);
  EXPECT_EQ(by_tier[0] + by_tier[1], idx.bytes("yard"));
  const IndexedSegment newest = idx.oldest_on_tier("yard", 0, 1).at(0);
  EXPECT_TRUE(idx.set_tier("yard", newest, 1));
  EXPECT_EQ(idx.count_on_tier(1), 2u);
  EXPECT_EQ(idx.path_of(idx.oldest("yard", 2).at(1)), b + "/2026-12/07/02/yard/10.00.mp4");
}

}  // namespace vigil
