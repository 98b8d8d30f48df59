// The HTTP server's connections. A connection holds a thread only while it has a
// request to serve: accepted and idle keep-alive connections wait in one poller thread
// (epoll), which also gathers each request's head (so a slow-header client holds no
// thread, and is answered 408 by the poller after HttpLimits::head_seconds); once a
// head is complete the connection gets a thread of its own (at most kMaxThreads at
// once), which serves it and any whole request that follows within kLinger, then hands
// the connection back. A request that finds every thread busy, and a connection beyond
// kMaxOpen, is answered at once with 503, a JSON body and Retry-After, and closed —
// never queued. Idle connections close after the keep-alive timeout (65 s). Every
// thread is joined; stop() closes the idle connections and shuts the busy ones down.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/connection_stream.h"
#include "api/tls_context.h"
#include "util/clock.h"
#include "util/worker.h"

namespace vigil {

// httplib's server with our connection handling: process_and_close_socket (a virtual
// httplib calls for each accepted socket) hands the socket to Connections, and serve()
// runs httplib's own request parsing and routing (process_request) over a
// ConnectionStream.
class Connections;
class ConnectionServer final : public httplib::Server {
 public:
  // Binds exclusively: Debian's httplib sets SO_REUSEPORT, with which a second process
  // listening on the same port is accepted and the kernel splits connections between them.
  ConnectionServer();
  // Serves requests on `fd` until it should be parked (true: idle, keep-alive, or the
  // next request's head still arriving) or closed (false). `requests_left` counts down
  // httplib's keep-alive maximum; `pending` holds the bytes already received (in: read
  // by the poller; out: the start of the next request, back to the poller).
  // With `tls`: the handshake first; the connection stays on this thread until it
  // closes (after kLinger without a request), never parked (the poller reads raw bytes).
  bool serve(int fd, size_t& requests_left, std::string& pending, const Clock& clock, const HttpLimits& limits,
             HttpCounters& counters, const TlsContext* tls = nullptr);
  size_t keep_alive_max_count() const { return keep_alive_max_count_; }
  double keep_alive_seconds() const { return double(keep_alive_timeout_sec_); }
  void set_connections(Connections* c) { connections_ = c; }
  // httplib listens with a backlog of 5 (fixed in Debian's library): a burst of
  // connects then overflows it and each client waits for a SYN retransmit (1 s, then
  // 3 s). Listening again on the bound socket sets a real backlog. errno on failure.
  int widen_backlog(int backlog);

  // The route adders register through these, so the server knows its route patterns
  // (the authenticated listener's test walks them: a route added later is covered).
  template <class H>
  ConnectionServer& Get(const std::string& p, H&& h) {
    return note("GET", p, httplib::Server::Get(p, std::forward<H>(h)));
  }
  template <class H>
  ConnectionServer& Post(const std::string& p, H&& h) {
    return note("POST", p, httplib::Server::Post(p, std::forward<H>(h)));
  }
  template <class H>
  ConnectionServer& Put(const std::string& p, H&& h) {
    return note("PUT", p, httplib::Server::Put(p, std::forward<H>(h)));
  }
  template <class H>
  ConnectionServer& Patch(const std::string& p, H&& h) {
    return note("PATCH", p, httplib::Server::Patch(p, std::forward<H>(h)));
  }
  template <class H>
  ConnectionServer& Delete(const std::string& p, H&& h) {
    return note("DELETE", p, httplib::Server::Delete(p, std::forward<H>(h)));
  }
  template <class H>
  ConnectionServer& Options(const std::string& p, H&& h) {
    return note("OPTIONS", p, httplib::Server::Options(p, std::forward<H>(h)));
  }
  // Every (method, pattern) registered, in order.
  const std::vector<std::pair<std::string, std::string>>& route_patterns() const { return routes_; }

 private:
  ConnectionServer& note(const char* method, const std::string& pattern, httplib::Server&) {
    routes_.emplace_back(method, pattern);
    return *this;
  }
  std::vector<std::pair<std::string, std::string>> routes_;  // filled while routes are added, before listening
  bool process_and_close_socket(socket_t sock) override;
  Connections* connections_ = nullptr;  // set before listening; outlives it
};

// A response handler asks for the connection to close after its response (a request
// httplib could not parse).
void close_connection_after_response();

class Connections {
 public:
  static constexpr int kMaxThreads = 512;  // connections being served at once
  static constexpr int kMaxOpen = 4096;    // connections open at once, idle ones included
  static constexpr double kLinger = 2;     // s a thread waits for the next keep-alive request
  static constexpr int kRetryAfter = 5;    // s, in the 503's Retry-After
  static constexpr double kTrimAfter = 2;  // s without a new request before free memory is returned

  Connections(ConnectionServer& server, const Clock& clock, HttpLimits limits, HttpCounters& counters);
  ~Connections();

  // TLS on every connection from now on (auth.tls). Call before start().
  void set_tls(std::shared_ptr<const TlsContext> tls) { tls_ = std::move(tls); }
  // Starts the poller. Call before the server listens.
  void start();
  // The listen thread: a new connection (parked until it sends, or 503 when too many are open).
  void adopt(int fd);
  // Closes the idle connections and shuts the busy ones down (their reads and writes
  // return at once); new connections are closed. Does not wait. Idempotent.
  void close_all();
  // close_all(), then joins the poller and every connection thread. Idempotent.
  void stop();

  // httplib's task queue for the listen loop: each accepted socket reaches adopt()
  // through process_and_close_socket, on the listen thread.
  class Queue final : public httplib::TaskQueue {
   public:
    explicit Queue(Connections& c) : c_(c) {}
    void enqueue(std::function<void()> fn) override;
    void shutdown() override { c_.stop(); }

   private:
    Connections& c_;
  };

 private:
  struct Idle {
    double deadline;       // clock mono() when it is closed (no bytes yet) or answered 408 (a head started)
    size_t requests_left;  // httplib's keep-alive maximum, counting down
    std::string head;      // the next request's bytes so far (its head not complete)
  };
  void poll_loop();
  void park_locked(int fd, size_t requests_left, std::string head = {});
  // A parked connection sent bytes: read them; a complete head (or the peer's end) goes
  // to dispatch_locked, else it waits for more.
  void readable_locked(int fd);
  // A request head is complete: a thread serves it, or it gets a 503.
  void dispatch_locked(int fd, size_t requests_left, std::string head);
  void run(uint64_t id, int fd, size_t requests_left, std::string head);
  void reject(int fd);  // 503 at once, closed
  void close_locked(int fd);
  void reap(std::unique_lock<std::mutex>& lock);

  ConnectionServer& server_;
  const Clock& clock_;
  const HttpLimits limits_;
  HttpCounters& counters_;
  std::shared_ptr<const TlsContext> tls_;    // set before start(), then fixed; null: plain HTTP
  Worker poller_;                            // the epoll loop (idle connections, their deadlines)
  int epoll_ = -1;                           // idle connections, one-shot; plus wake_
  int wake_ = -1;                            // eventfd: wakes the poller for stop
  std::mutex mu_;                            // guards everything below
  std::condition_variable cv_;               // a connection thread finished
  bool stopping_ = false;                    // close_all() ran: nothing new is served
  bool saturated_ = false;                   // the last dispatch found every thread busy (logged once)
  std::map<int, Idle> idle_;                 // parked connections, by socket
  std::set<int> busy_;                       // sockets a connection thread serves
  uint64_t next_id_ = 0;                     // id of the next connection thread
  uint64_t served_since_trim_ = 0;           // threads started since memory was last returned
  double last_dispatch_ = 0;                 // clock mono() of the last thread started
  std::map<uint64_t, std::thread> threads_;  // every connection thread not yet joined
  std::vector<uint64_t> finished_;           // ids in threads_ whose work is done
};

}  // namespace vigil
