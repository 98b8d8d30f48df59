// MjpegPacer on a manual clock: the first part at once, then one per interval of the
// clock, a late viewer skips rather than bursts, and the server's stop or the viewer
// leaving ends a wait.
#include "api/mjpeg_pacer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "test_media.h"

namespace vigil {
namespace {

using test::eventually;

TEST(MjpegPacer, ScheduleSkipsRatherThanBursts) {
  EXPECT_EQ(MjpegPacer::after(0, 100, 0.5), 100.5);       // the first part goes out at once
  EXPECT_EQ(MjpegPacer::after(100.5, 100.5, 0.5), 101);   // on time: the next one interval later
  EXPECT_EQ(MjpegPacer::after(101, 101.25, 0.5), 101.5);  // a little late: the schedule holds
  EXPECT_EQ(MjpegPacer::after(101.5, 103, 0.5), 103.5);   // more than an interval late: no burst
}

// A server stand-in: a worker whose loop only waits for stop.
void serve(Worker& server) {
  server.start([&server] {
    std::unique_lock lock(server.mutex());
    server.wait(lock, [] { return false; });
  });
}

TEST(MjpegPacer, PartsFollowTheClock) {
  ManualClock clock;
  Worker server(clock);
  serve(server);
  MjpegPacer pacer(server, 0.5);
  const double t0 = clock.mono();
  ASSERT_TRUE(pacer.wait());  // the first part: at once, the clock stands still
  for (int i = 1; i <= 3; ++i) {
    std::atomic<double> woke{0};
    auto part = std::async(std::launch::async, [&] {
      const bool ok = pacer.wait();
      woke = clock.mono();
      return ok;
    });
    clock.advance(0.25);  // half an interval: not yet
    clock.advance(0.25);
    ASSERT_TRUE(eventually([&] { return woke != 0; })) << "part " << i;
    EXPECT_TRUE(part.get());
    EXPECT_EQ(woke, t0 + 0.5 * i) << "part " << i << " went out before it was due";
  }
  server.stop();
}

TEST(MjpegPacer, ServerStopEndsTheWait) {
  ManualClock clock;
  Worker server(clock);
  serve(server);
  MjpegPacer pacer(server, 100);  // fps 0.01
  ASSERT_TRUE(pacer.wait());
  auto part = std::async(std::launch::async, [&] { return pacer.wait(); });
  server.stop();  // the manual clock never reaches the next part
  EXPECT_FALSE(part.get());
  EXPECT_FALSE(pacer.wait()) << "a stopped server sends no more parts";
}

// fps 0.01 and a viewer that leaves: the wait ends at the next check (half a second of
// the clock), not when the next part would be due 100 s later.
TEST(MjpegPacer, ViewerLeavingEndsTheWait) {
  ManualClock clock;
  Worker server(clock);
  serve(server);
  std::atomic<bool> gone{false};
  std::atomic<int> checks{0};
  MjpegPacer pacer(server, 100, [&] {
    ++checks;
    return gone.load();
  });
  ASSERT_TRUE(pacer.wait());
  EXPECT_EQ(checks, 0) << "the first part goes out without asking";
  auto part = std::async(std::launch::async, [&] { return pacer.wait(); });
  // While the viewer stays, every check lets the wait go on.
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(eventually([&] {
      clock.advance(0.5);
      return checks >= i;
    }));
    EXPECT_NE(part.wait_for(std::chrono::seconds(0)), std::future_status::ready) << "ended with the viewer there";
  }
  gone = true;
  const double left_at = clock.mono();
  ASSERT_TRUE(eventually([&] {
    clock.advance(0.5);
    return part.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }));
  EXPECT_FALSE(part.get()) << "a viewer that left gets no more parts";
  EXPECT_LT(clock.mono() - left_at, 50.0) << "noticed at a check, not when the next part was due";
  server.stop();
}

}  // namespace
}  // namespace vigil
