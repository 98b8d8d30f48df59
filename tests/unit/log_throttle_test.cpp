// The rate limit on repetitive log lines (input/log_throttle.h), on a manual clock.
#include "input/log_throttle.h"

#include <gtest/gtest.h>

#include "util/clock.h"

using namespace vigil;

namespace {

// How many of `n` lines of `kind`, one every `step` seconds, pass.
int passes(LogThrottle& t, ManualClock& clock, const std::string& kind, int n, double step) {
  int passed = 0;
  for (int i = 0; i < n; ++i) {
    passed += t.admit(kind).pass;
    clock.advance(step);
  }
  return passed;
}

}  // namespace

TEST(LogThrottle, FirstFiveThenOneAMinuteWithTheSuppressedCount) {
  ManualClock clock;
  LogThrottle t(clock);
  for (int i = 0; i < 5; ++i) {
    auto v = t.admit("error while decoding MB %d %d");
    EXPECT_TRUE(v.pass) << i;
    EXPECT_EQ(v.suppressed, 0u);
  }
  // The rest of the minute: 100 more lines, none passes.
  EXPECT_EQ(passes(t, clock, "error while decoding MB %d %d", 100, 0.5), 0);
  clock.advance(10);  // 60 s since the last line that passed
  auto v = t.admit("error while decoding MB %d %d");
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.suppressed, 100u);
  // Then at most one a minute, each with the count since the previous one.
  EXPECT_FALSE(t.admit("error while decoding MB %d %d").pass);
  clock.advance(59.9);
  EXPECT_FALSE(t.admit("error while decoding MB %d %d").pass);
  clock.advance(0.1);
  v = t.admit("error while decoding MB %d %d");
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.suppressed, 2u);
  // Ten minutes of one line every 0.1 s: one line a minute (each a step after the
  // minute is up, so nine or ten).
  clock.advance(1);
  const int passed = passes(t, clock, "error while decoding MB %d %d", 6000, 0.1);
  EXPECT_GE(passed, 9);
  EXPECT_LE(passed, 10);
}

TEST(LogThrottle, KindsAreLimitedSeparately) {
  ManualClock clock;
  LogThrottle t(clock);
  EXPECT_EQ(passes(t, clock, "concealing %d DC errors", 10, 0.1), 5);
  EXPECT_EQ(passes(t, clock, "non-existing PPS %u referenced", 10, 0.1), 5);
  EXPECT_TRUE(t.admit("Connection refused").pass);
}

TEST(LogThrottle, ManyKindsTogetherStayBounded) {
  ManualClock clock;
  LogThrottle t(clock);
  // 50 kinds, each logged every second for three minutes: 20 lines at once, then 10 a
  // minute (the per-kind limits alone would let 50 × 5 through at the start).
  int passed = 0;
  for (int s = 0; s < 180; ++s) {
    for (int k = 0; k < 50; ++k) passed += t.admit("kind " + std::to_string(k)).pass;
    clock.advance(1);
  }
  EXPECT_GE(passed, 20 + 25);
  EXPECT_LE(passed, 20 + 31);
}

TEST(LogThrottle, AQuietKindPassesAgainAtOnce) {
  ManualClock clock;
  LogThrottle t(clock);
  EXPECT_EQ(passes(t, clock, "x", 7, 0.1), 5);
  clock.advance(3600);
  auto v = t.admit("x");
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.suppressed, 2u);  // the two after the first five, an hour ago
}
