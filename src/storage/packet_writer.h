// The thread of one stream-copy writer (docs/storage.md "Writer threads"): the capture thread hands each
// packet to on_packet(), which stamps its arrival wall time, copies it into a bounded
// queue and returns — it never waits for the disk. The writer thread feeds the queue to
// its PacketConsumer (writes, the segment's remux, fsync and rename happen there).
// When the queue is full (the disk is slower than the camera) the packets are dropped
// until the next keyframe that fits, the consumer is told of the gap, and the gap is
// counted and logged once per streak.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "storage/packet_consumer.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

// How much a writer's queue holds before it drops.
struct PacketQueueLimits {
  size_t max_packets = 4096;     // ~2 min at 30 fps
  size_t max_bytes = 32u << 20;  // ~1 min of 4 Mbit/s
};

class PacketWriter {
 public:
  using Limits = PacketQueueLimits;
  struct Stats {
    uint64_t gaps = 0;             // drop streaks (each is one hole in the files)
    uint64_t dropped_packets = 0;  // packets lost in them
    size_t queued_packets = 0, queued_bytes = 0;
  };

  // `what` names the writer in log lines ("recording of front"). `consumer` must
  // outlive this object.
  PacketWriter(std::string what, PacketConsumer& consumer, const Clock& clock = SystemClock::instance(),
               Limits limits = {});
  ~PacketWriter();  // stop()
  PacketWriter(const PacketWriter&) = delete;
  PacketWriter& operator=(const PacketWriter&) = delete;

  void start();
  // The capture thread's packet sink: (nullptr, nullptr) = the connection ended.
  void on_packet(const AVPacket* pkt, const AVStream* st);
  // Writes what is queued, tells the consumer the input ended, and joins the thread.
  void stop();

  Stats stats() const;

 private:
  struct Item;
  struct StreamCopy;
  void run();
  void push(std::unique_ptr<Item> item);

  const std::string what_;
  PacketConsumer& consumer_;
  const Clock& clock_;
  const Limits limits_;

  // Capture thread only:
  const AVStream* last_stream_ = nullptr;  // the stream last copied
  std::shared_ptr<StreamCopy> stream_;     // its copy, shared by the queued packets
  bool dropping_ = false;                  // in a drop streak: wait for a keyframe that fits
  double last_warned_ = -1e18;             // clock mono() of the last streak logged at warn

  std::deque<std::unique_ptr<Item>> queue_;  // guarded by worker_.mutex(); oldest first
  size_t queued_bytes_ = 0;                  // guarded by worker_.mutex(): packet bytes in queue_
  std::atomic<uint64_t> gaps_{0}, dropped_{0};
  Worker worker_{clock_};  // the writer thread; last member: joined before the rest goes
};

}  // namespace vigil
