// A bound on work made on request (clips cut, GIFs encoded): at most `max` at once;
// a request beyond it is refused at once (503), never queued.
#pragma once

#include <atomic>

namespace vigil {

class MakerSlots {
 public:
  explicit MakerSlots(int max) : max_(max) {}
  int in_use() const { return used_.load(); }

  // A place among the `max`; held() false when all were taken (nothing is then held).
  class Slot {
   public:
    explicit Slot(MakerSlots& s) : s_(s), held_(s.used_.fetch_add(1) < s.max_) {
      if (!held_) s_.used_.fetch_sub(1);
    }
    ~Slot() {
      if (held_) s_.used_.fetch_sub(1);
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool held() const { return held_; }

   private:
    MakerSlots& s_;
    const bool held_;
  };

 private:
  const int max_;
  std::atomic<int> used_{0};  // places taken (briefly one more while a refused Slot backs out)
};

}  // namespace vigil
