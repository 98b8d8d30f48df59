// MqttClient's waits between connection attempts run on the injected clock: against a
// port where nothing listens, each attempt fails and the next waits 1 s, 2 s, 4 s, …
// of a manual clock (no real time), and stop() ends a wait at once.
#include "mqtt/mqtt_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "test_media.h"

namespace vigil {
namespace {

using test::eventually;

// A loopback port nobody listens on (bound, then released).
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Wait {
  double at;     // clock mono() when the client began to wait
  double delay;  // how long it waits
};

TEST(MqttClient, BackoffWaitsRunOnTheClock) {
  ManualClock clock;
  MqttClient::Options o;
  o.host = "127.0.0.1";
  o.port = closed_port();
  MqttClient client(o, {}, {}, clock);
  std::mutex mu;
  std::vector<Wait> waits;  // guarded by mu
  client.set_backoff_handler([&](double delay) {
    std::lock_guard lock(mu);
    waits.push_back({clock.mono(), delay});
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return waits.size();
  };
  auto last = [&] {
    std::lock_guard lock(mu);
    return waits.back();
  };
  client.start();
  ASSERT_TRUE(eventually([&] { return count() == 1; }));
  EXPECT_EQ(last().delay, 1);
  const double expected[] = {2, 4, 8, 16, 30, 30};
  for (double next : expected) {
    const Wait w = last();
    const size_t n = count();
    clock.advance(w.delay / 2);
    clock.advance(w.delay / 2);  // the wait ends now, and the next attempt fails
    ASSERT_TRUE(eventually([&] { return count() == n + 1; })) << "no attempt after " << w.delay << " s";
    // The failed attempt began its wait when the clock reached the end of the last one,
    // not halfway (a wait that ended early would have been timed from there).
    EXPECT_EQ(last().at, w.at + w.delay);
    EXPECT_EQ(last().delay, next);
  }
  EXPECT_FALSE(client.connected());
  client.stop();  // ends the 30 s wait at once: the clock stands still
  EXPECT_EQ(count(), 1 + std::size(expected));
}

}  // namespace
}  // namespace vigil
