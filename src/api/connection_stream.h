// One HTTP connection's socket as cpp-httplib reads and writes it, with the limits
// httplib 0.11 lacks or cannot be given at run time (its CPPHTTPLIB_* macros are fixed
// inside Debian's shared library): the request line, header lines, header count and
// size, the body, the time a request head may take to arrive (slowloris), and the time
// a write may wait for a reader that stopped. A request over a limit is answered here
// (JSON error, `Connection: close`) and the stream then refuses every read and write, so
// httplib gives the connection up without answering twice.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/http_counters.h"
#include "util/clock.h"

struct ssl_st;

namespace vigil {

struct HttpLimits {
  size_t request_line = 8192;       // bytes, CRLF included (414)
  size_t header_line = 8192;        // bytes of one header line (431)
  size_t header_fields = 100;       // header lines (431)
  size_t header_bytes = 64 * 1024;  // request line and headers together (431)
  size_t body_bytes = 1 << 20;      // bytes of a request body (413)
  double head_seconds = 10;         // from a request's first byte to its blank line (408)
  double read_seconds = 30;         // longest wait for the next byte of a body
  double write_seconds = 10;        // longest wait for a viewer to take more bytes
};

// A complete HTTP/1.1 error response with a JSON body ({"message", "success": false}),
// closing the connection; `extra_headers` each end with CRLF.
std::string json_error_response(int status, const std::string& reason, const std::string& message,
                                const std::string& extra_headers = "");

// True when the peer has closed or reset the connection (poll: POLLRDHUP, POLLHUP,
// POLLERR), without waiting and without reading.
bool peer_closed(int fd);

// `bytes` (the start of a request) hold its whole head: up to a blank line (CRLF CRLF),
// or a blank first line (which httplib then refuses).
bool head_complete(std::string_view bytes);

class ConnectionStream final : public httplib::Stream {
 public:
  // `received`: bytes of the connection already read (by the poller), served first.
  // `ssl` (TLS listener; the socket non-blocking): every byte goes through it.
  ConnectionStream(int fd, const Clock& clock, const HttpLimits& limits, HttpCounters& counters,
                   std::string received = {}, ssl_st* ssl = nullptr);
  ~ConnectionStream() override;

  // TLS: the server's side of the handshake, within head_seconds from now (a client
  // that connects and sends nothing, or stalls, is given up). False on failure.
  bool tls_handshake();
  // A new request starts: its head has head_seconds from now to arrive.
  void begin_request();
  // Bytes are buffered, or the socket becomes readable (data or EOF) within `seconds`.
  bool wait_readable(double seconds) const;
  // A limit answered the request; the connection must close.
  bool refused() const { return dead_; }
  // Reads what has arrived, without waiting (up to the head limit buffered). False when
  // the peer closed or failed.
  bool read_available();
  // The buffered bytes hold a whole request head (or more than a head may be, which the
  // limits then answer).
  bool head_buffered() const;
  // The buffered bytes, handed back with the connection to the poller.
  std::string take_buffered();

  // The stream of the request being handled on this thread (null elsewhere): handlers
  // that stream (MJPEG) watch its socket for the viewer leaving.
  static ConnectionStream* current();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Waits until the socket is readable (events POLLIN) or writable (POLLOUT) or the
  // clock's mono() reaches `deadline`; polls in slices so the injected clock decides.
  bool wait_for(short events, double deadline) const;
  // Checks the bytes httplib takes against the head and body limits; false (after
  // answering) when one is over.
  bool account(const char* p, size_t n);
  // recv/send on the socket, or SSL_read/SSL_write (a want-read/write is EAGAIN, a TLS
  // close_notify is 0).
  ssize_t recv_some(char* p, size_t n, bool dont_wait);
  ssize_t send_some(const char* p, size_t n);
  void refuse(int status, const char* reason, const std::string& message);

  const int fd_;
  ssl_st* const ssl_;  // TLS session over fd_ (owned by the caller), or null: plain HTTP
  const Clock& clock_;
  const HttpLimits& limits_;
  HttpCounters& counters_;
  std::string buf_;  // bytes received; [off_, end) not yet handed to httplib
  size_t off_ = 0;
  // The request in progress (one thread: the connection's).
  bool in_head_ = true;         // before the blank line that ends the headers
  double head_deadline_ = 0;    // clock mono() by which the head must be complete
  size_t head_bytes_ = 0;       // bytes of the head so far
  size_t line_bytes_ = 0;       // bytes of the current head line so far
  size_t lines_ = 0;            // complete head lines (the request line is the first)
  char last_ = 0;               // the head's previous byte
  size_t body_bytes_ = 0;       // bytes taken after the head
  bool dead_ = false;           // a limit answered: every read and write fails
  ConnectionStream* previous_;  // current() before this stream (restored on destruction)
};

}  // namespace vigil
