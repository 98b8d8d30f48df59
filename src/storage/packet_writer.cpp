#include "storage/packet_writer.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include <spdlog/spdlog.h>

#include "util/log.h"

namespace vigil {

// A copy of a connection's stream (parameters, time base) that outlives the demuxer:
// the capture thread may close the connection while its packets still wait here.
struct PacketWriter::StreamCopy {
  AVFormatContext* ctx = nullptr;
  AVStream* st = nullptr;
  explicit StreamCopy(const AVStream* from) {
    ctx = avformat_alloc_context();
    if (ctx) st = avformat_new_stream(ctx, nullptr);
    if (!st || avcodec_parameters_copy(st->codecpar, from->codecpar) < 0) {
      st = nullptr;
      return;
    }
    st->time_base = from->time_base;
    st->avg_frame_rate = from->avg_frame_rate;
    st->r_frame_rate = from->r_frame_rate;
  }
  ~StreamCopy() { avformat_free_context(ctx); }
};

struct PacketWriter::Item {
  enum Kind { kPacket, kGap, kEnd } kind = kPacket;
  AVPacket* pkt = nullptr;
  std::shared_ptr<StreamCopy> stream;
  double arrival = 0;
  size_t bytes() const { return pkt ? size_t(pkt->size) : 0; }
  ~Item() { av_packet_free(&pkt); }
};

PacketWriter::PacketWriter(std::string what, PacketConsumer& consumer, const Clock& clock, Limits limits)
    : what_(std::move(what)), consumer_(consumer), clock_(clock), limits_(limits) {}

PacketWriter::~PacketWriter() { stop(); }

void PacketWriter::start() {
  worker_.start([this] { run(); });
}

void PacketWriter::stop() {
  if (!worker_.running()) return;
  auto end = std::make_unique<Item>();
  end->kind = Item::kEnd;
  {
    std::lock_guard lock(worker_.mutex());
    queue_.push_back(std::move(end));
  }
  worker_.stop();  // the loop writes everything queued before it returns
}

PacketWriter::Stats PacketWriter::stats() const {
  Stats s;
  s.gaps = gaps_;
  s.dropped_packets = dropped_;
  std::lock_guard lock(worker_.mutex());
  s.queued_packets = queue_.size();
  s.queued_bytes = queued_bytes_;
  return s;
}

void PacketWriter::on_packet(const AVPacket* pkt, const AVStream* st) {
  auto item = std::make_unique<Item>();
  item->arrival = clock_.wall();
  if (!pkt) {
    item->kind = Item::kEnd;
    last_stream_ = nullptr;  // the next connection brings its own stream
    stream_.reset();
    dropping_ = false;  // the end closes the file anyway: no gap to report
    return push(std::move(item));
  }
  if (st != last_stream_ || !stream_) {
    stream_ = std::make_shared<StreamCopy>(st);
    last_stream_ = st;
  }
  if (!stream_->st) return;  // out of memory copying the parameters: nothing to write with
  item->pkt = av_packet_clone(pkt);
  if (!item->pkt) return;
  item->stream = stream_;
  const bool key = pkt->flags & AV_PKT_FLAG_KEY;
  bool fits, starts_streak = false;
  {
    std::lock_guard lock(worker_.mutex());
    fits = queue_.size() + 2 <= limits_.max_packets && queued_bytes_ + item->bytes() <= limits_.max_bytes;
    if (dropping_ && fits && key) {
      dropping_ = false;  // the hole ends here: the consumer closes its file before this keyframe
      auto gap = std::make_unique<Item>();
      gap->kind = Item::kGap;
      queue_.push_back(std::move(gap));
    } else if (dropping_ || !fits) {
      starts_streak = !dropping_;
      dropping_ = true;
      ++dropped_;
      if (starts_streak) ++gaps_;
      item.reset();
    }
    if (item) {
      queued_bytes_ += item->bytes();
      queue_.push_back(std::move(item));
    }
  }
  worker_.notify();
  if (starts_streak) {
    // Logged at warn once a minute at most; every streak is counted in /api/stats.
    const double now = clock_.mono();
    const bool warn = now - last_warned_ >= 60;
    if (warn) last_warned_ = now;
    logger("vigil.storage")
        ->log(warn ? spdlog::level::warn : spdlog::level::debug,
              "{}: the disk is behind (its queue of {} packets or {:.0f} MB is full); dropping video until the "
              "next keyframe",
              what_, limits_.max_packets, double(limits_.max_bytes) / 1e6);
  }
}

void PacketWriter::push(std::unique_ptr<Item> item) {
  {
    std::lock_guard lock(worker_.mutex());
    queue_.push_back(std::move(item));
  }
  worker_.notify();
}

void PacketWriter::run() {
  for (;;) {
    std::unique_ptr<Item> item;
    {
      std::unique_lock lock(worker_.mutex());
      worker_.wait(lock, [this] { return !queue_.empty(); });  // also returns at stop
      if (queue_.empty()) return;                              // stopping, and all written
      item = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= item->bytes();
    }
    switch (item->kind) {
      case Item::kPacket:
        consumer_.on_packet(item->pkt, item->stream->st, item->arrival);
        break;
      case Item::kGap:
        consumer_.on_gap();
        break;
      case Item::kEnd:
        consumer_.on_end();
        break;
    }
  }
}

}  // namespace vigil
