// The stream-copy writers' own thread and bounded queue (storage/packet_writer.h): the
// feeding (capture) thread never waits for the consumer, a full queue drops until a
// keyframe and the consumer hears of the hole.
#include "storage/packet_writer.h"

#include <gtest/gtest.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "storage/recorder.h"
#include "test_media.h"

namespace vigil {
namespace {

using test::eventually;
using test::feed;

// Records what its writer thread hands it; can be held (a disk that does not answer).
class ProbeConsumer : public PacketConsumer {
 public:
  struct Call {
    char kind;  // 'p' packet, 'g' gap, 'e' end
    bool key = false;
    double arrival = 0;
    std::thread::id thread;
  };
  void on_packet(const AVPacket* pkt, const AVStream* st, double arrival) override {
    std::unique_lock lock(mu_);
    waiting_ = held_;
    held_cv_.wait(lock, [this] { return !held_; });
    waiting_ = false;
    EXPECT_NE(st, nullptr);
    EXPECT_GT(st->time_base.den, 0);
    calls_.push_back({'p', bool(pkt->flags & AV_PKT_FLAG_KEY), arrival, std::this_thread::get_id()});
  }
  void on_gap() override { add('g'); }
  void on_end() override { add('e'); }
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    held_cv_.notify_all();
  }
  // The writer thread is inside on_packet, held.
  bool waiting() const {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  void add(char kind) {
    std::lock_guard lock(mu_);
    calls_.push_back({kind, false, 0, std::this_thread::get_id()});
  }
  mutable std::mutex mu_;
  std::condition_variable held_cv_;
  bool held_ = false;        // guarded by mu_: on_packet waits while true
  bool waiting_ = false;     // guarded by mu_: a call is waiting in on_packet
  std::vector<Call> calls_;  // guarded by mu_
};

TEST(PacketWriter, WritesOnItsOwnThreadStampingArrivalOnTheCapturingOne) {
  ManualClock clock;
  clock.wall_time = 1.7e9;
  ProbeConsumer probe;
  PacketWriter writer("recording of yard", probe, clock);
  writer.start();
  feed([&writer](const AVPacket* p, const AVStream* st) { writer.on_packet(p, st); }, clock, 6);
  writer.stop();
  const std::vector<ProbeConsumer::Call> calls = probe.calls();
  // 6 s at 10 fps, the end of the connection, the end stop() adds (ends are idempotent).
  ASSERT_EQ(calls.size(), 62u);
  EXPECT_EQ(calls[60].kind, 'e');
  EXPECT_EQ(calls[61].kind, 'e');
  EXPECT_TRUE(calls.front().key);
  for (size_t i = 0; i < 60; ++i) {
    EXPECT_EQ(calls[i].kind, 'p');
    EXPECT_NE(calls[i].thread, std::this_thread::get_id());
    // The arrival is the clock's wall time when the packet was handed over, not when written.
    EXPECT_NEAR(calls[i].arrival, 1.7e9 + 0.1 * double(i), 1e-3);
  }
  EXPECT_EQ(writer.stats().gaps, 0u);
}

TEST(PacketWriter, AFullQueueDropsUntilAKeyframeAndTellsTheConsumerOfTheGap) {
  ManualClock clock;
  clock.wall_time = 1.7e9;
  ProbeConsumer probe;
  probe.hold();  // the disk stops answering
  PacketWriter writer("recording of yard", probe, clock, PacketQueueLimits{30, 64u << 20});
  test::LogCapture log("vigil.storage");
  writer.start();
  bool first = true;
  auto sink = [&](const AVPacket* p, const AVStream* st) {
    writer.on_packet(p, st);
    // The writer thread takes the first packet and hangs in the consumer before the rest
    // come (a thread that started late would find the queue full and drop twice).
    if (std::exchange(first, false)) {
      EXPECT_TRUE(eventually([&] { return probe.waiting(); }));
    }
  };
  // 10 s while held: the feeding thread never waits; the queue fills, the rest is dropped.
  feed(sink, clock, 10, true);
  PacketWriter::Stats s = writer.stats();
  EXPECT_EQ(s.gaps, 1u);
  EXPECT_GE(s.dropped_packets, 100u - 31u);
  EXPECT_LE(s.queued_packets, 30u);
  EXPECT_EQ(log.count("recording of yard: the disk is behind"), 1);

  probe.release();
  ASSERT_TRUE(eventually([&] { return writer.stats().queued_packets == 0; }));
  // The disk answers again: the next keyframe resumes (2 s: 20 packets, fewer than the
  // queue holds, so a writer thread slow to wake cannot make a second hole).
  feed(sink, clock, 2);
  writer.stop();
  s = writer.stats();
  EXPECT_EQ(s.gaps, 1u);

  const std::vector<ProbeConsumer::Call> calls = probe.calls();
  size_t gap = 0;
  while (gap < calls.size() && calls[gap].kind != 'g') ++gap;
  ASSERT_LT(gap + 1, calls.size()) << "no gap reported";
  EXPECT_EQ(gap, 100 - s.dropped_packets);  // everything before the hole was kept
  EXPECT_TRUE(calls[gap + 1].key) << "writing resumes on a keyframe";
  EXPECT_EQ(calls.size() - gap - 1, 20u + 2u);  // the second feed whole, its end and stop()'s
  EXPECT_EQ(calls.back().kind, 'e');
}

TEST(PacketWriter, RecordingThroughTheWriterMakesTheSameSegments) {
  const std::string dir = test::temp_dir();
  ManualClock clock;
  clock.wall_time = 1.7e9 - std::fmod(1.7e9, 60) + 30;  // half a minute in
  {
    Recorder recorder("yard", dir, 60);
    PacketWriter writer("recording of yard", recorder, clock);
    writer.start();
    feed([&writer](const AVPacket* p, const AVStream* st) { writer.on_packet(p, st); }, clock, 75);
    writer.stop();
  }
  int segments = 0;
  double total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".mp4") continue;
    ++segments;
    total += test::probe_duration(e.path().string());
  }
  EXPECT_EQ(segments, 2);  // cut at the first keyframe of the next minute
  EXPECT_NEAR(total, 75, 0.3);
}

}  // namespace
}  // namespace vigil
