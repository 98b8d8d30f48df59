// Crash-safe file writes (storage.md §7): a file appears under its final name only when
// complete — written to a dot-named temporary in the same folder, fsynced, renamed,
// then the folder fsynced.
#pragma once

#include <string>

namespace vigil {

// False on failure; then `*why` (if given) says which step failed and the errno text.
bool write_file_atomically(const std::string& path, const std::string& bytes, std::string* why = nullptr);
// Makes a finished temporary file (same folder) visible under `final_path`: fsync the
// file, rename, fsync the folder. The temporary is removed when that fails.
bool publish_file(const std::string& tmp_path, const std::string& final_path);
// fsync a folder, so a rename in it survives a power cut.
void sync_directory(const std::string& dir);

}  // namespace vigil
