#include "api/connections.h"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/log.h"

namespace vigil {
namespace {

thread_local bool t_close_after = false;  // set by a handler: close once this response is out

}  // namespace

void close_connection_after_response() { t_close_after = true; }

ConnectionServer::ConnectionServer() {
  set_socket_options([](socket_t sock) {
    const int yes = 1;  // a port in TIME_WAIT may be bound again; a listening one may not
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

int ConnectionServer::widen_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0 ? 0 : errno; }

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  connections_->adopt(sock);  // the listen thread: parked until it sends a request
  return true;
}

bool ConnectionServer::serve(int fd, size_t& requests_left, std::string& pending, const Clock& clock,
                             const HttpLimits& limits, HttpCounters& counters, const TlsContext* tls) {
  // TLS: the session lives as long as this call (sends close_notify at the end).
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(nullptr, [](SSL* s) {
    if (SSL_is_init_finished(s)) SSL_shutdown(s);
    SSL_free(s);
  });
  if (tls) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);  // SSL_read/SSL_write wait through the stream's polls
    ssl.reset(tls->make_ssl(fd));
    if (!ssl) return false;
  }
  ConnectionStream strm(fd, clock, limits, counters, std::move(pending), ssl.get());
  if (ssl && !strm.tls_handshake()) return false;
  while (requests_left > 0 && svr_sock_ != INVALID_SOCKET) {
    t_close_after = false;
    strm.begin_request();
    bool closed = false;
    const bool ok = process_request(strm, requests_left == 1, closed, nullptr);
    --requests_left;
    if (!ok || closed || strm.refused() || t_close_after || requests_left == 0) return false;
    if (!strm.wait_readable(Connections::kLinger)) return !ssl;  // idle: back to the poller (TLS: closed)
    if (ssl) continue;  // TLS: the next request is read here (its head within head_seconds)
    // Bytes arrived: serve them here only when their head is whole (this thread never
    // waits for a slow head; the poller does); the peer's end is httplib's to see.
    if (strm.read_available() && !strm.head_buffered()) {
      pending = strm.take_buffered();
      return true;
    }
  }
  return false;
}

void Connections::Queue::enqueue(std::function<void()> fn) {
  fn();  // process_and_close_socket → adopt(): parks the socket without blocking
}

Connections::Connections(ConnectionServer& server, const Clock& clock, HttpLimits limits, HttpCounters& counters)
    : server_(server), clock_(clock), limits_(limits), counters_(counters), poller_(clock) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error(std::string("HTTP poller: ") + std::strerror(errno));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

Connections::~Connections() {
  stop();
  ::close(epoll_);
  ::close(wake_);
}

void Connections::start() {
  poller_.start([this] { poll_loop(); });
}

void Connections::adopt(int fd) {
  std::lock_guard lock(mu_);
  ++counters_.open_connections;
  if (stopping_) {
    close_locked(fd);
  } else if (int(idle_.size() + busy_.size()) >= kMaxOpen) {
    reject(fd);
  } else {
    // httplib writes a response's head and body with separate sends: without this the
    // body waits for the client's delayed ACK of the head (tens of ms per request).
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    park_locked(fd, server_.keep_alive_max_count());
  }
}

void Connections::park_locked(int fd, size_t requests_left, std::string head) {
  // TLS: the handshake must begin within head_seconds of the connect.
  const double wait = head.empty() && !tls_ ? server_.keep_alive_seconds() : limits_.head_seconds;
  idle_[fd] = Idle{clock_.mono() + wait, requests_left, std::move(head)};
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    logger("vigil.http")->warn("cannot watch a connection: {}", std::strerror(errno));
    idle_.erase(fd);
    close_locked(fd);
  }
}

void Connections::poll_loop() {
  epoll_event evs[64];
  for (;;) {
    const int n = epoll_wait(epoll_, evs, 64, 1000);  // the clock's deadlines are checked at least every second
    std::unique_lock lock(mu_);
    if (stopping_) return;
    for (int i = 0; i < n; ++i) {
      const int fd = evs[i].data.fd;
      if (fd == wake_) continue;
      if (idle_.count(fd)) readable_locked(fd);
    }
    const double now = clock_.mono();
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      const int fd = it->first;
      if (!it->second.head.empty()) {  // a head begun and not finished in time: 408
        ++counters_.refused_requests;
        static const std::string r =
            json_error_response(408, "Request Timeout",
                                "request head not complete within " + std::to_string(int(limits_.head_seconds)) + " s");
        if (::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
          // the client is gone; nothing to tell it
        }
      }
      it = idle_.erase(it);
      close_locked(fd);  // also leaves the epoll set
    }
    reap(lock);
    // After a burst of requests, once none has been served for a while, give the
    // allocator's free memory back: the connection threads' arenas otherwise keep
    // their peak (RSS stayed tens of MB above the start after a load).
    if (busy_.empty() && served_since_trim_ >= 64 && now - last_dispatch_ >= kTrimAfter) {
      served_since_trim_ = 0;
      lock.unlock();
      malloc_trim(0);
    }
  }
}

void Connections::readable_locked(int fd) {
  Idle& c = idle_.at(fd);
  if (tls_) {  // the handshake's first bytes (or the peer's end): a thread reads them through OpenSSL
    const size_t left = c.requests_left;
    idle_.erase(fd);
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    dispatch_locked(fd, left, {});
    return;
  }
  const bool started = !c.head.empty();
  bool open = true;
  char buf[4096];
  while (c.head.size() <= limits_.header_bytes) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      c.head.append(buf, size_t(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      open = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
  }
  if (!open && c.head.empty()) {  // the client closed (or failed) between requests
    idle_.erase(fd);
    close_locked(fd);
    return;
  }
  if (open && c.head.size() <= limits_.header_bytes && !head_complete(c.head)) {
    if (!started) c.deadline = clock_.mono() + limits_.head_seconds;  // from its first byte
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
    return;
  }
  // A whole head, more than a head may be, or the peer's end after a partial one: a
  // thread (httplib answers, the limits refuse).
  const size_t left = c.requests_left;
  std::string head = std::move(c.head);
  idle_.erase(fd);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  dispatch_locked(fd, left, std::move(head));
}

void Connections::dispatch_locked(int fd, size_t requests_left, std::string head) {
  static auto log = logger("vigil.http");
  if (int(busy_.size()) >= kMaxThreads) {
    if (!saturated_) log->warn("all {} connection threads busy: new requests get 503 until one is free", kMaxThreads);
    saturated_ = true;
    reject(fd);
    return;
  }
  if (saturated_)
    log->info("connection threads free again ({} connections refused so far)", counters_.rejected_connections.load());
  saturated_ = false;
  const uint64_t id = next_id_++;
  ++served_since_trim_;
  last_dispatch_ = clock_.mono();
  try {
    threads_.emplace(id, std::thread([this, id, fd, requests_left, head = std::move(head)]() mutable {
                       run(id, fd, requests_left, std::move(head));
                     }));
    busy_.insert(fd);
  } catch (const std::system_error& e) {
    log->warn("cannot start a connection thread: {}", e.what());
    reject(fd);
  }
}

void Connections::run(uint64_t id, int fd, size_t requests_left, std::string head) {
  bool keep = false;
  try {
    keep = server_.serve(fd, requests_left, head, clock_, limits_, counters_, tls_.get());
  } catch (const std::exception& e) {
    logger("vigil.http")->error("connection ended by an error: {}", e.what());
  }
  std::lock_guard lock(mu_);
  busy_.erase(fd);
  if (keep && !stopping_) {
    park_locked(fd, requests_left, std::move(head));
  } else {
    close_locked(fd);
  }
  finished_.push_back(id);
  cv_.notify_all();
}

void Connections::reject(int fd) {
  ++counters_.rejected_connections;
  // Take what the client sent (closing with unread bytes would reset the connection
  // before it reads the answer), answer, close.
  char buf[4096];
  for (int i = 0; i < 16 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0; ++i) {
  }
  static const std::string r = json_error_response(503, "Service Unavailable", "too many connections; retry later",
                                                   "Retry-After: " + std::to_string(kRetryAfter) + "\r\n");
  if (::send(fd, r.data(), r.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
    // the client is gone already; nothing to tell it
  }
  ::shutdown(fd, SHUT_WR);
  close_locked(fd);
}

void Connections::close_locked(int fd) {
  ::close(fd);
  --counters_.open_connections;
}

void Connections::close_all() {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  stopping_ = true;
  for (const auto& [fd, idle] : idle_) close_locked(fd);
  idle_.clear();
  for (int fd : busy_) ::shutdown(fd, SHUT_RDWR);  // reads and writes in progress return at once
  const uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) {
    // the poller still sees stopping_ within a second
  }
}

void Connections::stop() {
  close_all();
  poller_.stop();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return finished_.size() == threads_.size(); });
  reap(lock);
}

void Connections::reap(std::unique_lock<std::mutex>& lock) {
  std::vector<std::thread> done;
  for (uint64_t id : finished_) {
    done.push_back(std::move(threads_.at(id)));
    threads_.erase(id);
  }
  finished_.clear();
  lock.unlock();
  for (std::thread& t : done) t.join();
  lock.lock();
}

}  // namespace vigil
