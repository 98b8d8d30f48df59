#include "mqtt_harness.h"

#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vigil::test {
namespace {

bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

}  // namespace

Broker::Broker(std::optional<std::pair<std::string, std::string>> user, int port) : port_(port), dir_(temp_dir()) {
  std::ofstream conf(dir_ + "/mosquitto.conf");
  conf << "listener " << port_ << " 127.0.0.1\n";
  if (user) {
    std::string cmd = "mosquitto_passwd -c -b " + dir_ + "/passwd " + user->first + " " + user->second;
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("mosquitto_passwd failed");
    // mosquitto started as root reads it after dropping to its own user.
    chmod(dir_.c_str(), 0755);
    chmod((dir_ + "/passwd").c_str(), 0644);
    conf << "allow_anonymous false\npassword_file " << dir_ << "/passwd\n";
  } else {
    conf << "allow_anonymous true\n";
  }
  conf.close();
  start();
}

Broker::~Broker() { stop(); }

void Broker::start() {
  proc_ = Process({"mosquitto", "-c", dir_ + "/mosquitto.conf", "-v"}, dir_ + "/mosquitto.log");
  eventually([&] { return port_open(port_); }, 20);
}

void Broker::stop() {
  proc_.signal(SIGTERM);
  if (proc_.wait(10) < 0) proc_.kill_now();
}

std::string Broker::log() const {
  std::ifstream in(dir_ + "/mosquitto.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FakeBroker::FakeBroker(Mode mode) : mode_(mode) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("fake broker: cannot listen");
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { loop(); });
}

FakeBroker::~FakeBroker() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<FakeBroker::Connection> FakeBroker::connections() const {
  std::lock_guard lock(mu_);
  return conns_;
}

bool FakeBroker::wait_connections(size_t n, double timeout) const {
  return eventually([&] { return connections().size() >= n; }, timeout);
}

void FakeBroker::loop() {
  struct Open {
    int fd;
    size_t index;  // into conns_
  };
  std::vector<Open> open;
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const Open& o : open) fds.push_back({o.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Open& o = open[i - 1];
      char buf[4096];
      ssize_t n = read(o.fd, buf, sizeof buf);
      if (n > 0 && mode_ == Mode::ConnackThenClose) {
        const char connack[] = {0x20, 0x02, 0x00, 0x00};  // session not present, accepted
        (void)!write(o.fd, connack, sizeof connack);
        n = 0;
      }
      if (n > 0) continue;  // Silent: whatever the client says goes unanswered
      if (mode_ == Mode::Silent) {
        std::lock_guard lock(mu_);
        conns_[o.index].closed = now_mono();
      }
      close(o.fd);
      o.fd = -1;
    }
    std::erase_if(open, [](const Open& o) { return o.fd < 0; });
    if (fds[0].revents & POLLIN) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      size_t index;
      {
        std::lock_guard lock(mu_);
        index = conns_.size();
        conns_.push_back({now_mono(), -1});
      }
      if (mode_ == Mode::Garbage) {
        const char garbage[] = "HTTP/1.1 400 Bad Request\r\n\r\n\xde\xad\xbe\xef";
        (void)!write(fd, garbage, sizeof garbage - 1);
        close(fd);
      } else {
        open.push_back({fd, index});
      }
    }
  }
  for (const Open& o : open) close(o.fd);
}

struct Subscriber::State {
  mutable std::mutex mu;
  std::condition_variable changed;    // with mu: a message or a SUBACK arrived
  std::vector<MqttMessage> messages;  // guarded by mu, in arrival order
  int subacks = 0;                    // guarded by mu: SUBACKs received (one per (re)connect)
  std::string filter;
  std::atomic<bool> connected{false};

  // Waits (real time, the broker's pace) until `done()` holds with mu held.
  template <class Pred>
  bool wait(std::unique_lock<std::mutex>& lock, double timeout, Pred done) {
    return changed.wait_for(lock, std::chrono::duration<double>(std::max(timeout, 0.0)), done);
  }
};

Subscriber::Subscriber(int port, std::string filter, std::optional<std::pair<std::string, std::string>> user)
    : st_(std::make_unique<State>()) {
  mosquitto_lib_init();
  st_->filter = std::move(filter);
  static std::atomic<int> n{0};
  std::string id = "test-sub-" + std::to_string(getpid()) + "-" + std::to_string(n++);
  mosq_ = mosquitto_new(id.c_str(), true, st_.get());
  if (user) mosquitto_username_pw_set(mosq_, user->first.c_str(), user->second.c_str());
  mosquitto_connect_callback_set(mosq_, [](mosquitto* m, void* obj, int rc) {
    auto* st = static_cast<State*>(obj);
    if (rc != 0) return;
    mosquitto_subscribe(m, nullptr, st->filter.c_str(), 0);
    st->connected = true;
  });
  mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* obj, int, int, const int*) {
    auto* st = static_cast<State*>(obj);
    std::lock_guard lock(st->mu);
    ++st->subacks;
    st->changed.notify_all();
  });
  mosquitto_disconnect_callback_set(mosq_,
                                    [](mosquitto*, void* obj, int) { static_cast<State*>(obj)->connected = false; });
  mosquitto_message_callback_set(mosq_, [](mosquitto*, void* obj, const mosquitto_message* m) {
    auto* st = static_cast<State*>(obj);
    MqttMessage msg{m->topic, std::string(static_cast<const char*>(m->payload), size_t(m->payloadlen)), m->retain,
                    now_mono()};
    std::lock_guard lock(st->mu);
    st->messages.push_back(std::move(msg));
    st->changed.notify_all();
  });
  mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
  mosquitto_connect_async(mosq_, "127.0.0.1", port, 60);
  mosquitto_loop_start(mosq_);
  wait_subscribed(1, 20);
}

bool Subscriber::wait_subscribed(int n, double timeout) const {
  std::unique_lock lock(st_->mu);
  return st_->wait(lock, timeout, [&] { return st_->subacks >= n; });
}

Subscriber::~Subscriber() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

std::vector<MqttMessage> Subscriber::messages() const {
  std::lock_guard lock(st_->mu);
  return st_->messages;
}

size_t Subscriber::size() const {
  std::lock_guard lock(st_->mu);
  return st_->messages.size();
}

bool Subscriber::connected() const { return st_->connected; }

std::optional<size_t> Subscriber::wait_for(const std::function<bool(const MqttMessage&)>& pred, double timeout,
                                           size_t from) const {
  size_t i = from, found = SIZE_MAX;
  std::unique_lock lock(st_->mu);
  st_->wait(lock, timeout, [&] {
    for (; i < st_->messages.size(); ++i)
      if (pred(st_->messages[i])) {
        found = i;
        return true;
      }
    return false;
  });
  if (found == SIZE_MAX) return std::nullopt;
  return found;
}

std::optional<size_t> Subscriber::wait_for(const std::string& topic, const std::string& payload, double timeout,
                                           size_t from) const {
  return wait_for([&](const MqttMessage& m) { return m.topic == topic && (payload.empty() || m.payload == payload); },
                  timeout, from);
}

void Subscriber::publish(const std::string& topic, const std::string& payload, bool retain) {
  mosquitto_publish(mosq_, nullptr, topic.c_str(), int(payload.size()), payload.data(), 1, retain);
}

}  // namespace vigil::test
