// What the HTTP server counts about its connections, shown in /api/stats under
// `service.http` (vigil-only keys stay inside `service`).
#pragma once

#include <atomic>
#include <cstdint>

namespace vigil {

struct HttpCounters {
  std::atomic<uint64_t> rejected_connections{0};  // answered 503 at once: no thread free, or too many open
  std::atomic<uint64_t> refused_requests{0};      // answered by a limit (408, 413, 414, 431)
  std::atomic<uint64_t> open_connections{0};      // accepted and not yet closed (idle ones included)
};

}  // namespace vigil
