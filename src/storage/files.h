// Crash-safe file writes (storage.md §7): a file appears under its final name only when
// complete — written to a dot-named temporary in the same folder, fsynced, renamed,
// then the folder fsynced.
#pragma once

#include <string>

#include "util/status.h"

namespace vigil {

// On failure nothing is left behind and the Status says which step failed and why.
Status write_file_atomically(const std::string& path, const std::string& bytes);
// Makes a finished temporary file (same folder) visible under `final_path`: fsync the
// file, rename, fsync the folder. The temporary is removed when that fails.
Status publish_file(const std::string& tmp_path, const std::string& final_path);
// fsync a folder, so a rename in it survives a power cut.
void sync_directory(const std::string& dir);

}  // namespace vigil
