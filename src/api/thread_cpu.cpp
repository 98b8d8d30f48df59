#include "api/thread_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace vigil {
namespace {

bool read_uptime(double* out) {
  std::ifstream in("/proc/uptime");
  return bool(in >> *out);
}

}  // namespace

bool ThreadCpuSampler::sample(int tid, ThreadCpu* out) {
  if (tid <= 0) return false;
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  double uptime = 0;
  if (!std::getline(in, line) || !read_uptime(&uptime)) return false;
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(line.substr(paren + 1));
  std::vector<std::string> f;  // f[0] = field 3 (state)
  for (std::string s; fields >> s;) f.push_back(s);
  if (f.size() < 20) return false;
  const double hz = double(sysconf(_SC_CLK_TCK));
  const double ticks = std::stod(f[11]) + std::stod(f[12]);  // utime + stime
  const double started = std::stod(f[19]) / hz;              // seconds after boot
  out->average = uptime > started ? 100.0 * ticks / hz / (uptime - started) : 0;
  std::lock_guard lock(mu_);
  auto it = last_.find(tid);
  if (it != last_.end() && uptime > it->second.uptime && ticks >= it->second.ticks)
    out->cpu = 100.0 * (ticks - it->second.ticks) / hz / (uptime - it->second.uptime);
  else
    out->cpu = out->average;
  last_[tid] = {ticks, uptime};
  return true;
}

}  // namespace vigil
