// Crash-safe file writes (storage.md §7): a file appears under its final name only when
// complete — written to a dot-named temporary in the same folder, fsynced, renamed,
// then the folder fsynced.
#pragma once

#include <string>

namespace vigil {

bool write_file_atomically(const std::string& path, const std::string& bytes);
// fsync a folder, so a rename in it survives a power cut.
void sync_directory(const std::string& dir);

}  // namespace vigil
