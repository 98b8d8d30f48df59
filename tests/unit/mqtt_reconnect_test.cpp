// MqttReconnect: the CONNACK deadline and the backoff between attempts (mqtt.md §1.2),
// on a clock the test moves.
#include "mqtt/mqtt_reconnect.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil {
namespace {

TEST(MqttReconnect, NoConnackWithinFiveSecondsFailsTheAttempt) {
  ManualClock clock;
  MqttReconnect r(clock);
  EXPECT_FALSE(r.deadline_passed());  // no attempt yet
  r.attempt_started();
  clock.advance(4.9);
  EXPECT_FALSE(r.deadline_passed());
  clock.advance(0.1);
  EXPECT_TRUE(r.deadline_passed());
  EXPECT_EQ(r.failed(), 1);
  EXPECT_FALSE(r.deadline_passed());  // until the next attempt starts
  r.attempt_started();
  EXPECT_FALSE(r.deadline_passed());
}

TEST(MqttReconnect, AConnackStopsTheDeadline) {
  ManualClock clock;
  MqttReconnect r(clock);
  r.attempt_started();
  clock.advance(1);
  r.connected();
  clock.advance(600);
  EXPECT_FALSE(r.deadline_passed());
}

// Unreachable, deadline, garbage, refused, closed right after the CONNACK: one
// backoff for all of them.
TEST(MqttReconnect, EveryKindOfFailureBacksOffTheSame) {
  ManualClock clock;
  MqttReconnect r(clock);
  std::vector<double> delays;
  delays.push_back(r.failed());  // TCP connect refused before the attempt started
  for (int i = 0; i < 4; ++i) {  // no CONNACK in time
    r.attempt_started();
    clock.advance(MqttReconnect::kConnackDeadline);
    ASSERT_TRUE(r.deadline_passed());
    delays.push_back(r.failed());
    clock.advance(delays.back());
  }
  r.attempt_started();  // garbage or a refusal: the loop fails at once
  delays.push_back(r.failed());
  r.attempt_started();  // accepted, then closed after a few seconds
  r.connected();
  clock.advance(10);
  delays.push_back(r.failed());
  EXPECT_EQ(delays, (std::vector<double>{1, 2, 4, 8, 16, 30, 30}));
}

TEST(MqttReconnect, OnlyAConnectionThatStayedUpResetsTheDelay) {
  ManualClock clock;
  MqttReconnect r(clock);
  for (int i = 0; i < 3; ++i) r.failed();  // 1, 2, 4
  r.attempt_started();
  r.connected();
  clock.advance(Backoff::kHealthyAfter - 1);
  EXPECT_EQ(r.failed(), 8);
  r.attempt_started();
  r.connected();
  clock.advance(Backoff::kHealthyAfter);
  EXPECT_EQ(r.failed(), 1);
  EXPECT_EQ(r.failed(), 2);
}

}  // namespace
}  // namespace vigil
