#include "mqtt/mqtt_reconnect.h"

namespace vigil {

void MqttReconnect::attempt_started() {
  attempt_start_ = clock_.mono();
  attempting_ = true;
  connected_ = false;
}

void MqttReconnect::connected() {
  connected_since_ = clock_.mono();
  attempting_ = false;
  connected_ = true;
}

bool MqttReconnect::deadline_passed() const {
  return attempting_ && clock_.mono() - attempt_start_ >= kConnackDeadline;
}

double MqttReconnect::failed() {
  if (connected_) backoff_.connection_healthy(connected_since_, clock_.mono());
  attempting_ = connected_ = false;
  return backoff_.next_delay();
}

}  // namespace vigil
