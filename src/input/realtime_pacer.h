// -re pacing (pipeline.md §2): a file's packets are released at the rate of their
// stream time, as a live camera would send them. Pure logic; the demuxer waits.
#pragma once

namespace vigil {

class RealtimePacer {
 public:
  // The monotonic time at which the packet at stream time `ts` is due, given the time
  // `now`. The schedule starts at the first packet and starts afresh after a jump (a
  // packet more than 1 s late or 5 s early): such a packet is due at once.
  double due(double ts, double now) {
    const double due = anchor_mono_ + (ts - anchor_ts_);
    if (!anchored_ || due < now - 1.0 || due > now + 5.0) {
      anchored_ = true;
      anchor_mono_ = now;
      anchor_ts_ = ts;
      return now;
    }
    return due;
  }

 private:
  bool anchored_ = false;   // a schedule has started
  double anchor_mono_ = 0;  // monotonic time of the packet that started the schedule
  double anchor_ts_ = 0;    // stream time of that packet
};

}  // namespace vigil
