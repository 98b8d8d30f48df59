// MediaTree (api/media_files.h): the allow-list of served media, opening without
// symbolic links (openat2 and the O_NOFOLLOW walk), and the database never served.
#include "api/media_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_media.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::vector<std::string> split(const std::string& rel) {
  std::vector<std::string> parts;
  for (size_t pos = 0; pos < rel.size();) {
    size_t end = std::min(rel.find('/', pos), rel.size());
    parts.push_back(rel.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}

std::string read_all(int fd) {
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::pread(fd, buf, sizeof buf, off_t(out.size()))) > 0;) out.append(buf, size_t(n));
  return out;
}

TEST(MediaNames, Clips) {
  for (const char* ok : {"garden-1607123955.475377-mxklsc.mp4", "garden-1607123955.475377-mxklsc.jpg",
                         "front_door-1.5-abc.png", "my-cam-2.0-x.mp4"})
    EXPECT_TRUE(media_file_allowed(MediaKind::kClips, 0, ok)) << ok;
  for (const char* bad :
       {"frigate.db", "events.sqlite", "x.mp4", "cam-1.mp4-wal", "cam-1.db", "cam-1.txt", ".cam-1.mp4.tmp", ".pending",
        "cam-1.mp4.part", "-1.mp4", "cam-.mp4", "cam-1.MP4", "cam-1..mp4", "cam 1-2.mp4", ""})
    EXPECT_FALSE(media_file_allowed(MediaKind::kClips, 0, bad)) << bad;
  EXPECT_FALSE(media_file_allowed(MediaKind::kClips, 1, "cam-1.jpg"));  // the one folder holds only thumbnails
  EXPECT_FALSE(media_dir_allowed(MediaKind::kClips, 0, "cam"));
  // Review thumbnails (ha-current.md §7.1): clips/review/thumb-<camera>-<id>.webp only.
  EXPECT_TRUE(media_dir_allowed(MediaKind::kClips, 0, "review"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kClips, 1, "review"));
  EXPECT_TRUE(media_file_allowed(MediaKind::kClips, 1, "thumb-front_door-1718987129.308396-fqk5ka.webp"));
  for (const char* bad : {"thumb-.webp", "thumb-cam-1.jpg", ".thumb-cam-1.webp", "thumb-cam-1.webp.tmp", "x-cam-1.webp",
                          "thumb-cam-..webp"})
    EXPECT_FALSE(media_file_allowed(MediaKind::kClips, 1, bad)) << bad;
  EXPECT_FALSE(media_file_allowed(MediaKind::kClips, 0, "thumb-cam-1.webp"));
  EXPECT_FALSE(media_file_allowed(MediaKind::kClips, 2, "thumb-cam-1.webp"));
}

TEST(MediaNames, Recordings) {
  EXPECT_TRUE(media_dir_allowed(MediaKind::kRecordings, 0, "2021-03"));
  EXPECT_TRUE(media_dir_allowed(MediaKind::kRecordings, 1, "04"));
  EXPECT_TRUE(media_dir_allowed(MediaKind::kRecordings, 2, "15"));
  EXPECT_TRUE(media_dir_allowed(MediaKind::kRecordings, 3, "front_door-2"));
  EXPECT_TRUE(media_file_allowed(MediaKind::kRecordings, 4, "07.00.mp4"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kRecordings, 0, "2021-3"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kRecordings, 0, ".part"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kRecordings, 1, "4"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kRecordings, 3, ".cam"));
  EXPECT_FALSE(media_dir_allowed(MediaKind::kRecordings, 4, "07"));
  for (const char* bad : {".07.00.mp4.part", "07.00.mp4.part", "7.00.mp4", "07.00.jpg", "notes.txt", "frigate.db"})
    EXPECT_FALSE(media_file_allowed(MediaKind::kRecordings, 4, bad)) << bad;
  EXPECT_FALSE(media_file_allowed(MediaKind::kRecordings, 3, "07.00.mp4"));
}

// Both ways of opening: openat2 (when the kernel has it) and the O_NOFOLLOW walk.
class MediaTreeTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && !openat2_supported()) GTEST_SKIP() << "kernel without openat2";
    root_ = test::temp_dir();
    clips_ = root_ + "/clips";
    rec_ = root_ + "/recordings";
    db_ = clips_ + "/garden-db.mp4";  // the database under a name the rules allow
    write_file(clips_ + "/garden-1.mp4", "clip");
    write_file(clips_ + "/garden-1.jpg", "snap");
    write_file(clips_ + "/.pending/garden-2.jpg", "pending");
    write_file(clips_ + "/.garden-3.mp4.tmp", "tmp");
    write_file(db_, "database");
    write_file(db_ + "-wal", "wal");
    write_file(root_ + "/outside-1.jpg", "outside");
    write_file(rec_ + "/2021-03/04/15/garden/07.00.mp4", "segment");
    write_file(rec_ + "/2021-03/04/15/garden/.07.01.mp4.part", "part");
    write_file(root_ + "/elsewhere/04/15/garden/07.00.mp4", "outside segment");
    fs::create_symlink(clips_ + "/garden-1.mp4", clips_ + "/garden-link.mp4");  // inside, still a link
    fs::create_symlink(db_, clips_ + "/garden-dblink.jpg");                     // to the database
    fs::create_symlink(clips_ + "/.pending", clips_ + "/pend-link");            // to a hidden folder
    fs::create_symlink(root_ + "/outside-1.jpg", clips_ + "/garden-out.jpg");   // out of the folder
    fs::create_symlink(root_ + "/elsewhere", rec_ + "/2021-04");                // a folder out
    fs::create_hard_link(db_ + "-wal", clips_ + "/garden-hard.mp4");            // same inode as -wal
    ASSERT_EQ(::mkfifo((clips_ + "/garden-fifo.mp4").c_str(), 0644), 0);        // would block a plain open
  }

  MediaTree clips() const { return MediaTree(clips_, MediaKind::kClips, db_, GetParam()); }
  MediaTree recordings() const { return MediaTree(rec_, MediaKind::kRecordings, db_, GetParam()); }

  static std::string content(const MediaTree& t, const std::string& rel) {
    auto o = t.open(split(rel));
    return o.fd ? read_all(o.fd.get()) : "<refused>";
  }

  static std::vector<std::string> names(const MediaTree& t, const std::string& rel) {
    auto parts = split(rel);
    auto o = t.open(parts);
    EXPECT_TRUE(o.fd) << rel;
    std::vector<std::string> out;
    for (const auto& e : t.list(o.fd, parts.size())) out.push_back(e.name + (e.dir ? "/" : ""));
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string root_, clips_, rec_, db_;
};

TEST_P(MediaTreeTest, ServesWhatVigilWrites) {
  EXPECT_EQ(content(clips(), "garden-1.mp4"), "clip");
  EXPECT_EQ(content(clips(), "garden-1.jpg"), "snap");
  EXPECT_EQ(content(recordings(), "2021-03/04/15/garden/07.00.mp4"), "segment");
  auto dir = recordings().open(split("2021-03/04"));
  ASSERT_TRUE(dir.fd);
  EXPECT_TRUE(S_ISDIR(dir.st.st_mode));
}

TEST_P(MediaTreeTest, RefusesLinksHiddenFilesAndTheDatabase) {
  for (const char* rel : {"garden-db.mp4", "garden-db.mp4-wal", "garden-hard.mp4", "garden-dblink.jpg",
                          "garden-link.mp4", "garden-out.jpg", "pend-link/garden-2.jpg", ".pending/garden-2.jpg",
                          ".garden-3.mp4.tmp", "garden-fifo.mp4", "../outside-1.jpg", "garden-none.mp4"})
    EXPECT_EQ(content(clips(), rel), "<refused>") << rel;
  for (const char* rel : {"2021-04/04/15/garden/07.00.mp4", "2021-04", "2021-03/04/15/garden/.07.01.mp4.part",
                          "2021-03/04/15/garden/07.00.mp4/x"})
    EXPECT_EQ(content(recordings(), rel), "<refused>") << rel;
}

TEST_P(MediaTreeTest, ListingsShowExactlyWhatIsServed) {
  EXPECT_EQ(names(clips(), ""), (std::vector<std::string>{"garden-1.jpg", "garden-1.mp4"}));
  EXPECT_EQ(names(recordings(), ""), (std::vector<std::string>{"2021-03/"}));
  EXPECT_EQ(names(recordings(), "2021-03/04/15/garden"), (std::vector<std::string>{"07.00.mp4"}));
}

TEST_P(MediaTreeTest, DatabaseCompanionsCreatedLaterAreRefused) {
  // SQLite creates -shm and -journal as it goes: looked up on each request.
  write_file(db_ + "-journal", "journal");
  fs::create_hard_link(db_ + "-journal", clips_ + "/garden-j.mp4");
  EXPECT_EQ(content(clips(), "garden-j.mp4"), "<refused>");
  EXPECT_EQ(names(clips(), ""), (std::vector<std::string>{"garden-1.jpg", "garden-1.mp4"}));
}

INSTANTIATE_TEST_SUITE_P(OpenWays, MediaTreeTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "openat2" : "nofollow_walk"; });

}  // namespace
}  // namespace vigil
