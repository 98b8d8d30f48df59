// Free space of the file systems holding media (storage.md §9), and a test hook.
//
// Test hook (for tests only, never for production): with VIGIL_TEST_FS_CAPACITY_MB=N
// set when vigil starts, every media folder behaves as if it sat on its own N MB file
// system: free space = N MB − the bytes of the files below the media folder (and the
// database's folder when it is elsewhere), each rounded up to 4 KiB blocks. Integration
// tests use it to run a real vigil against a small "disk" without mounting one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vigil {

// Free bytes of the file system holding `path`, for unprivileged users (statvfs:
// f_bavail × f_frsize). UINT64_MAX when unknown, so an error never triggers deletions.
using FreeSpaceFn = std::function<uint64_t(const std::string& path)>;
uint64_t statvfs_free_bytes(const std::string& path);

// The capacity VIGIL_TEST_FS_CAPACITY_MB asks for (read once), in bytes.
std::optional<uint64_t> test_fs_capacity();

// Bytes the files below `roots` take (4 KiB blocks; a root inside another counts once).
uint64_t bytes_used_under(const std::vector<std::string>& roots);

// The probe vigil uses: statvfs, or with the test hook `capacity − bytes_used_under(roots)`
// (0 when over).
FreeSpaceFn free_space_probe(const std::vector<std::string>& roots);

}  // namespace vigil
