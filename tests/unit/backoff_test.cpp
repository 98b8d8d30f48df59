#include "input/backoff.h"

#include <gtest/gtest.h>

#include "util/clock.h"
#include "util/rate_counter.h"

namespace vigil {

TEST(Backoff, DoublesFromOneSecondUpToThirty) {
  Backoff b;
  std::vector<double> got;
  for (int i = 0; i < 8; ++i) got.push_back(b.next_delay());
  EXPECT_EQ(got, (std::vector<double>{1, 2, 4, 8, 16, 30, 30, 30}));
}

TEST(Backoff, ResetsOnlyAfterSixtyHealthySeconds) {
  Backoff b;
  b.next_delay();
  b.next_delay();
  b.connection_healthy(100, 159);  // 59 s: not yet
  EXPECT_EQ(b.next_delay(), 4);
  b.connection_healthy(100, 160);
  EXPECT_EQ(b.next_delay(), 1);
}

TEST(RateCounter, AveragesOverTimeSinceStartThenTenSeconds) {
  ManualClock clock;
  RateCounter r(clock.mono());
  for (int i = 0; i < 10; ++i) {  // 5 per second for 2 s
    clock.advance(0.2);
    r.tick(clock.mono());
  }
  EXPECT_NEAR(r.rate(clock.mono()), 5.0, 1e-6);
  for (int i = 0; i < 100; ++i) {  // 2 per second for 50 s
    clock.advance(0.5);
    r.tick(clock.mono());
  }
  EXPECT_NEAR(r.rate(clock.mono()), 2.0, 1e-6);
  clock.advance(20);  // silence
  EXPECT_DOUBLE_EQ(r.rate(clock.mono()), 0.0);
}

}  // namespace vigil
