#include "storage/tier_move.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "storage/files.h"

namespace vigil {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMoveSuffix = ".move";

void run(const std::function<void()>& f) {
  if (f) f();
}

// Copies the bytes of `in` to `out` (copy_file_range, read/write where it is refused).
Status copy_bytes(int in, int out, const std::string& from, const std::string& to) {
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 24, 0);
    if (n == 0) return {};
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
      return Status::from_errno("copy " + from + " to " + to);
    break;  // fall back to read/write
  }
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::from_errno("read " + from);
    if (n == 0) return {};
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf.data() + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Status::from_errno("write " + to);
      done += w;
    }
  }
}

}  // namespace

std::string move_temporary_name(const std::string& file_name) { return "." + file_name + kMoveSuffix; }

bool is_move_temporary_name(const std::string& name) {
  return name.size() > 6 && name[0] == '.' && name.ends_with(kMoveSuffix);
}

int move_step_pause_ms() {
  static const int ms = [] {
    const char* v = std::getenv("VIGIL_TEST_MOVE_STEP_PAUSE_MS");
    return v ? std::max(0, std::atoi(v)) : 0;
  }();
  return ms;
}

Status copy_segment(const std::string& from_root, const std::string& to_root, const std::string& rel,
                    const std::function<void()>& between_steps) {
  const std::string from = from_root + "/" + rel, to = to_root + "/" + rel;
  const fs::path dir = fs::path(to).parent_path();
  const std::string tmp = (dir / move_temporary_name(fs::path(rel).filename().string())).string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::failure("create folder " + dir.string() + ": " + ec.message());
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::from_errno("open " + from);
  struct stat st {};
  if (::fstat(in, &st) != 0) {
    Status s = Status::from_errno("stat " + from);
    ::close(in);
    return s;
  }
  const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    Status s = Status::from_errno("create " + tmp);
    ::close(in);
    return s;
  }
  Status s = copy_bytes(in, out, from, tmp);
  ::close(in);
  if (s) {
    const struct timespec times[2] = {st.st_atim, st.st_mtim};  // readers take the end from the mtime
    if (::futimens(out, times) != 0) s = Status::from_errno("set the time of " + tmp);
  }
  if (s && ::fsync(out) != 0) s = Status::from_errno("fsync " + tmp);
  if (::close(out) != 0 && s) s = Status::from_errno("close " + tmp);
  if (s) {
    struct stat got {};
    if (::stat(tmp.c_str(), &got) != 0)
      s = Status::from_errno("stat " + tmp);
    else if (got.st_size != st.st_size)
      s = Status::failure("copy of " + from + " has " + std::to_string(got.st_size) + " bytes, not " +
                          std::to_string(st.st_size));
  }
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  sync_directory(dir.string());
  run(between_steps);  // a crash here leaves a temporary: start-up deletes it
  if (std::rename(tmp.c_str(), to.c_str()) != 0) {
    Status r = Status::from_errno("rename " + tmp + " to " + to);
    ::unlink(tmp.c_str());
    return r;
  }
  sync_directory(dir.string());
  run(between_steps);  // a crash here leaves two equal copies: start-up keeps the new one
  return {};
}

Status remove_source(const std::string& from_root, const std::string& rel) {
  const std::string from = from_root + "/" + rel;
  if (::unlink(from.c_str()) != 0 && errno != ENOENT) return Status::from_errno("delete " + from);
  sync_directory(fs::path(from).parent_path().string());
  return {};
}

std::vector<TierFinding> reconcile_tiers(const RecordingRoots& roots, bool fix,
                                         const std::function<void(const TierFinding&, const Status&)>& report) {
  std::vector<TierFinding> found;
  auto note = [&](TierFinding f) {
    Status st;
    if (fix && ::unlink(f.path.c_str()) != 0 && errno != ENOENT) st = Status::from_errno("delete " + f.path);
    if (fix && st) sync_directory(fs::path(f.path).parent_path().string());
    if (report) report(f, st);
    found.push_back(std::move(f));
  };
  // rel → (tier, size) of each copy, from the archive tiers (only they receive moves).
  std::map<std::string, std::vector<std::pair<size_t, uintmax_t>>> copies;
  for (size_t tier = 1; tier < roots.size(); ++tier) {
    std::error_code ec;
    const fs::path root(roots[tier]);
    if (!fs::is_directory(root, ec)) continue;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code dec;
      if (it->is_directory(dec)) continue;
      const std::string name = it->path().filename().string();
      if (is_move_temporary_name(name)) {
        note({TierFinding::kTemporary, it->path().string(), ""});
        continue;
      }
      if (name.empty() || name[0] == '.' || !name.ends_with(".mp4")) continue;
      std::error_code sec;
      const uintmax_t size = it->file_size(sec);
      if (!sec) copies[it->path().lexically_relative(root).string()].push_back({tier, size});
    }
  }
  for (auto& [rel, on] : copies) {
    // The copy on the tier below the lowest archive copy is a move's source.
    const size_t to = on.front().first;
    const std::string src = roots[to - 1] + "/" + rel;
    struct stat st {};
    if (::stat(src.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const std::string dst = roots[to] + "/" + rel;
    if (uintmax_t(st.st_size) == on.front().second)
      note({TierFinding::kDuplicate, src, dst});  // the move got past its rename: finish it
    else
      note({TierFinding::kDuplicateMismatch, dst, src});  // not a move's copy: roll back
  }
  return found;
}

}  // namespace vigil
