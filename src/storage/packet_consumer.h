// A stream-copy writer (the 24/7 recorder, the clip cache) as its writer thread drives
// it (storage/packet_writer.h). The capture thread never calls one directly: it only
// queues packets, so a slow disk cannot stop a camera's decoding.
#pragma once

struct AVPacket;
struct AVStream;

namespace vigil {

class PacketConsumer {
 public:
  virtual ~PacketConsumer() = default;
  // A packet of `st` (this connection's stream) that arrived at wall time `arrival`
  // (stamped on the capture thread when it was read).
  virtual void on_packet(const AVPacket* pkt, const AVStream* st, double arrival) = 0;
  // Packets were dropped here (the writer fell behind); the next packet is a keyframe.
  // No file may span the hole.
  virtual void on_gap() = 0;
  // The input connection ended (or the camera stops): complete the file being written.
  virtual void on_end() = 0;
};

}  // namespace vigil
