// Shares JPEG encodings between viewers: for each variant (size and overlays) of a
// camera, the latest frame is encoded at most once, whoever asks first; the others
// wait for that encoding and reuse it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace vigil {

using JpegPtr = std::shared_ptr<const std::string>;

class JpegCache {
 public:
  // Returns the JPEG for (variant `key`, frame `seq`), calling `encode` only if no
  // encoding of that frame for that variant exists yet.
  JpegPtr get(const std::string& key, uint64_t seq, const std::function<std::string()>& encode) {
    std::shared_ptr<Entry> e;
    {
      std::lock_guard lock(mu_);
      auto& slot = entries_[key];
      if (!slot) slot = std::make_shared<Entry>();
      e = slot;
      if (entries_.size() > kMaxVariants) entries_.clear();  // bound memory for odd clients
    }
    std::lock_guard lock(e->mu);  // one encoder per variant; others wait and reuse
    if (!e->jpeg || e->seq != seq) {
      e->jpeg = std::make_shared<const std::string>(encode());
      e->seq = seq;
      encodes_++;
    }
    return e->jpeg;
  }
  uint64_t encodes() const { return encodes_; }

 private:
  static constexpr size_t kMaxVariants = 64;
  struct Entry {
    std::mutex mu;
    uint64_t seq = 0;  // frame the cached JPEG shows
    JpegPtr jpeg;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::atomic<uint64_t> encodes_{0};  // total encodings made (benchmarks)
};

}  // namespace vigil
