// When an MQTT connection attempt has failed and how long to wait before the next one
// (mqtt.md §1.2). Every failure counts the same, whether the broker was unreachable,
// refused the CONNECT, answered garbage, closed the connection or did not answer at
// all: the next attempt waits 1 s, doubling to 30 s (input/Backoff). Only a connection
// that stayed up for Backoff::kHealthyAfter seconds after its CONNACK resets the delay,
// so a broker that accepts and then drops every connection is not hammered.
#pragma once

#include "input/backoff.h"
#include "util/clock.h"

namespace vigil {

class MqttReconnect {
 public:
  // An attempt without an accepted CONNACK this long after it started has failed.
  static constexpr double kConnackDeadline = 5;

  explicit MqttReconnect(const Clock& clock) : clock_(clock) {}

  // A connection attempt (TCP connect + CONNECT) starts now.
  void attempt_started();
  // The broker accepted the CONNECT.
  void connected();
  // True while an attempt waits for its CONNACK longer than kConnackDeadline.
  bool deadline_passed() const;
  // The attempt or the connection failed: returns the delay before the next attempt.
  double failed();

 private:
  const Clock& clock_;
  Backoff backoff_;
  double attempt_start_ = 0;
  double connected_since_ = 0;
  bool attempting_ = false, connected_ = false;
};

}  // namespace vigil
