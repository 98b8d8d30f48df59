// The outcome of an operation that can fail: ok, or why not — the errno text, libav's or
// SQLite's message — carried up to the log line (docs/architecture.md §Errors).
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace vigil {

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status failure(std::string why) {
    Status s;
    s.why_ = why.empty() ? "unknown error" : std::move(why);
    return s;
  }
  // `what` failed with the current errno: "what: No space left on device".
  static Status from_errno(const std::string& what) { return failure(what + ": " + std::strerror(errno)); }

  bool ok() const { return why_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& why() const { return why_; }  // empty when ok

 private:
  std::string why_;
};

}  // namespace vigil
