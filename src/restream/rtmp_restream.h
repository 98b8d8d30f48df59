// RTMP restream of one camera input (config.md §4.23): the input's video packets, as
// the capture thread reads them, are copied without re-encoding to an RTMP server
// (a local nginx-rtmp) at `rtmp://…/live/<camera>`. The capture thread only queues
// packets (bounded, never blocks); a thread of its own connects, writes, and when the
// server is unavailable logs it once and retries with backoff (1 s doubling to 30 s)
// while the packets meanwhile are dropped.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>

#include "input/backoff.h"
#include "util/clock.h"
#include "util/worker.h"

struct AVPacket;
struct AVStream;
struct AVCodecParameters;
struct AVFormatContext;

namespace vigil {

class RtmpRestream {
 public:
  static constexpr size_t kMaxQueue = 300;  // packets waiting for the writer (~10 s at 30 fps)

  RtmpRestream(std::string camera, std::string url, const Clock& clock = SystemClock::instance());
  ~RtmpRestream();
  RtmpRestream(const RtmpRestream&) = delete;
  RtmpRestream& operator=(const RtmpRestream&) = delete;

  void start();
  void stop();

  // Capture's packet sink; (nullptr, nullptr) = the input connection ended.
  void on_packet(const AVPacket* pkt, const AVStream* st);

  bool publishing() const { return publishing_; }
  const std::string& url() const { return url_; }

 private:
  struct Item;
  struct Output;
  void run();
  void handle(Item& item);
  bool open(const Item& item);
  void close();
  void fail(const std::string& why);
  static int interrupt_cb(void* self);

  std::string camera_, url_, log_url_;
  const Clock& clock_;

  std::deque<std::unique_ptr<Item>> queue_;    // guarded by worker_.mutex()
  const AVStream* last_stream_ = nullptr;      // capture thread: stream of the current params
  std::shared_ptr<AVCodecParameters> params_;  // capture thread: copy of its parameters
  int tb_num_ = 1, tb_den_ = 1;                // capture thread: its time base

  // Writer thread only.
  std::unique_ptr<Output> out_;
  Backoff backoff_;
  double retry_at_ = 0;  // monotonic: no connection attempt before
  double connected_since_ = 0;
  bool was_down_ = false;  // the loss was logged; log the recovery
  std::atomic<bool> publishing_{false};
  std::atomic<bool> abort_{false};
  std::atomic<double> deadline_{0};  // monotonic deadline of the blocking call in progress
  Worker worker_{clock_};            // the writer thread (last: stopped before the rest goes)
};

}  // namespace vigil
