#include "mqtt/mqtt_client.h"

#include <mosquitto.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "util/clock.h"
#include "util/log.h"

namespace vigil {
namespace {

struct LibInit {
  LibInit() { mosquitto_lib_init(); }
};

}  // namespace

MqttClient::MqttClient(Options opts, ConnectHandler on_connect, MessageHandler on_message, const Clock& clock)
    : opts_(std::move(opts)), on_connect_(std::move(on_connect)), on_message_(std::move(on_message)), clock_(clock) {
  static LibInit init;
  mosq_ = mosquitto_new(opts_.client_id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mqtt: cannot create a client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  // Our own network thread calls mosquitto_loop; other threads only queue packets.
  mosquitto_threaded_set(mosq_, true);
  if (!opts_.will_topic.empty())
    mosquitto_will_set(mosq_, opts_.will_topic.c_str(), int(opts_.will_payload.size()), opts_.will_payload.data(), 1,
                       true);
  if (opts_.user)
    mosquitto_username_pw_set(mosq_, opts_.user->c_str(), opts_.password ? opts_.password->c_str() : nullptr);
  mosquitto_connect_callback_set(mosq_, &MqttClient::on_connect_cb);
  mosquitto_disconnect_callback_set(mosq_, &MqttClient::on_disconnect_cb);
  mosquitto_message_callback_set(mosq_, &MqttClient::on_message_cb);
}

MqttClient::~MqttClient() {
  stop();
  mosquitto_destroy(mosq_);
}

void MqttClient::start() {
  worker_.start([this] { run(); });
}

void MqttClient::stop(const std::string& final_topic, const std::string& final_payload) {
  if (!worker_.running()) return;
  {
    std::lock_guard lock(worker_.mutex());
    final_topic_ = final_topic;
    final_payload_ = final_payload;
  }
  worker_.stop();  // the loop publishes the final message and disconnects on its way out
}

bool MqttClient::publish(const std::string& topic, const std::string& payload, bool retain) {
  if (!connected_) return false;
  return mosquitto_publish(mosq_, nullptr, topic.c_str(), int(payload.size()), payload.data(), 0, retain) ==
         MOSQ_ERR_SUCCESS;
}

bool MqttClient::subscribe(const std::string& pattern) {
  if (!connected_) return false;
  return mosquitto_subscribe(mosq_, nullptr, pattern.c_str(), 0) == MOSQ_ERR_SUCCESS;
}

// Connection states are logged once per change (mqtt.md §1.2).
void MqttClient::report(const std::string& state, bool warn) {
  if (state == last_state_) return;
  last_state_ = state;
  auto log = logger("vigil.mqtt");
  if (warn)
    log->warn("broker {}:{}: {}", opts_.host, opts_.port, state);
  else
    log->info("broker {}:{}: {}", opts_.host, opts_.port, state);
}

void MqttClient::run() {
  bool first = true, attempt_pending = true;
  auto wait_before_retry = [this] {
    ++failed_attempts_;
    double d = reconnect_.failed();
    logger("vigil.mqtt")->debug("broker {}:{}: next attempt in {:.0f} s", opts_.host, opts_.port, d);
    if (on_backoff_) on_backoff_(d);
    return worker_.sleep_for(d);
  };
  while (!worker_.stopping()) {
    if (attempt_pending) {
      int rc = first ? mosquitto_connect_async(mosq_, opts_.host.c_str(), opts_.port, opts_.keepalive)
                     : mosquitto_reconnect_async(mosq_);
      first = false;
      if (rc != MOSQ_ERR_SUCCESS) {
        report(std::string("unreachable: ") + (rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc)), true);
        if (!wait_before_retry()) break;
        continue;
      }
      reconnect_.attempt_started();
      attempt_pending = false;
    }
    int rc = mosquitto_loop(mosq_, 100, 1);
    if (rc == MOSQ_ERR_SUCCESS && !reconnect_.deadline_passed()) continue;
    // Lost, refused, garbage, or no CONNACK in time: all back off the same way.
    bool was = had_connection_;
    had_connection_ = false;
    connected_ = false;
    if (rc == MOSQ_ERR_SUCCESS) {
      report("no answer to CONNECT within " + std::to_string(int(MqttReconnect::kConnackDeadline)) + " s", true);
      // Drop it now (the broker sees the close); the next attempt frees the socket.
      if (int fd = mosquitto_socket(mosq_); fd >= 0) shutdown(fd, SHUT_RDWR);
    } else if (rc == MOSQ_ERR_ERRNO) {
      report(std::string(was ? "connection lost: " : "unreachable: ") + strerror(errno), true);
    } else if (rc != MOSQ_ERR_CONN_REFUSED) {  // a refusal was reported by on_connect
      report(std::string(was ? "connection lost: " : "unreachable: ") + mosquitto_strerror(rc), true);
    }
    if (!wait_before_retry()) break;
    attempt_pending = true;
  }
  // Clean shutdown (mqtt.md §1.2): `offline`, then DISCONNECT, so no will is sent.
  if (connected_) {
    std::string topic, payload;
    {
      std::lock_guard lock(worker_.mutex());
      topic = final_topic_;
      payload = final_payload_;
    }
    if (!topic.empty()) mosquitto_publish(mosq_, nullptr, topic.c_str(), int(payload.size()), payload.data(), 0, true);
    mosquitto_disconnect(mosq_);
    // Until the DISCONNECT is sent (the loop then fails: no connection), at most 3 s.
    const double end = clock_.mono() + 3;
    while (clock_.mono() < end && mosquitto_loop(mosq_, 100, 1) == MOSQ_ERR_SUCCESS) {
    }
    connected_ = false;
  }
}

void MqttClient::on_connect_cb(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    c->report(std::string("connection refused: ") + mosquitto_connack_string(rc), true);
    return;
  }
  c->connected_ = true;
  c->had_connection_ = true;
  c->reconnect_.connected();
  c->report("connected", false);
  if (c->on_connect_) c->on_connect_();
}

void MqttClient::on_disconnect_cb(mosquitto*, void* self, int) { static_cast<MqttClient*>(self)->connected_ = false; }

void MqttClient::on_message_cb(mosquitto*, void* self, const mosquitto_message* m) {
  auto* c = static_cast<MqttClient*>(self);
  if (!c->on_message_ || !m->topic) return;
  std::string payload(static_cast<const char*>(m->payload), size_t(std::max(m->payloadlen, 0)));
  c->on_message_(m->topic, payload, m->retain);
}

}  // namespace vigil
