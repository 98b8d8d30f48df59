// The RTSP restream's server in-process (restream/rtsp_restream.h): binding, start and
// stop without readers. Readers are in tests/integration/rtsp_restream_test.cpp.
#include "restream/rtsp_restream.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vigil {
namespace {

// A port of 127.0.0.1 nobody listens on right now.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

TEST(RtspRestreamServer, ThePortTakenIsRefusedWithTheSystemsReason) {
  const int port = free_port();
  RtspRestream first("127.0.0.1", port);
  ASSERT_TRUE(first.bind().ok());
  RtspRestream second("127.0.0.1", port);
  Status s = second.bind();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.why().find("Address already in use"), std::string::npos) << s.why();
}

TEST(RtspRestreamServer, StartsAndStopsWithCamerasAndNoReader) {
  RtspRestream r("127.0.0.1", free_port());
  ASSERT_TRUE(r.bind().ok());
  RtspRestream::PacketSink sink = r.add_camera("front");
  r.add_camera("back");
  r.start();
  sink(nullptr, nullptr);  // an input connection ended: nothing to do
  EXPECT_EQ(r.pipelines(), 0);
  r.stop();
  r.stop();                // idempotent
  sink(nullptr, nullptr);  // a capture thread late after stop: harmless
}

}  // namespace
}  // namespace vigil
