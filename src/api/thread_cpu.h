// CPU use of vigil's own threads from /proc/self/task/<tid>/stat, for the 0.14 profile's
// stats `cpu_usages.<pid>` (Frigate's per-process figures; vigil's "pids" are thread ids).
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace vigil {

struct ThreadCpu {
  double cpu = 0;      // percent of one core since the previous sample (first: since start)
  double average = 0;  // percent of one core since the thread started
};

class ThreadCpuSampler {
 public:
  // nullopt-like: false when the thread is gone or /proc cannot be read.
  bool sample(int tid, ThreadCpu* out);

 private:
  struct Last {
    double ticks = 0, uptime = 0;
  };
  std::mutex mu_;
  std::map<int, Last> last_;  // previous sample per thread; guarded by mu_
};

}  // namespace vigil
