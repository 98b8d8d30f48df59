#include "api/connection_stream.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/tls_context.h"
#include "util/log.h"

namespace vigil {
namespace {

thread_local ConnectionStream* t_current = nullptr;

constexpr double kSlice = 1.0;  // longest single poll: the injected clock is re-read after it

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int r = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len)
                     : getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) return;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

}  // namespace

std::string json_error_response(int status, const std::string& reason, const std::string& message,
                                const std::string& extra_headers) {
  const std::string body = nlohmann::json{{"success", false}, {"message", message}}.dump(
                               -1, ' ', true, nlohmann::json::error_handler_t::replace) +
                           "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

bool peer_closed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

ConnectionStream::ConnectionStream(int fd, const Clock& clock, const HttpLimits& limits, HttpCounters& counters,
                                   std::string received, ssl_st* ssl)
    : fd_(fd),
      ssl_(ssl),
      clock_(clock),
      limits_(limits),
      counters_(counters),
      buf_(std::move(received)),
      previous_(t_current) {
  t_current = this;
}

ConnectionStream::~ConnectionStream() { t_current = previous_; }

ConnectionStream* ConnectionStream::current() { return t_current; }

bool ConnectionStream::tls_handshake() {
  const double deadline = clock_.mono() + limits_.head_seconds;
  for (;;) {
    ERR_clear_error();
    const int r = SSL_accept(ssl_);
    if (r == 1) return true;
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (wait_for(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) continue;
      logger("vigil.http")->debug("TLS handshake not complete within {} s", int(limits_.head_seconds));
    } else {
      std::string why = tls_error_text();
      if (why.empty()) why = e == SSL_ERROR_SYSCALL ? std::strerror(errno) : "connection closed";
      logger("vigil.http")->debug("TLS handshake failed: {}", why);
    }
    return false;
  }
}

ssize_t ConnectionStream::recv_some(char* p, size_t n, bool dont_wait) {
  if (!ssl_) return ::recv(fd_, p, n, dont_wait ? MSG_DONTWAIT : 0);
  ERR_clear_error();
  const int r = SSL_read(ssl_, p, int(std::min<size_t>(n, 1 << 30)));
  if (r > 0) return r;
  const int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_ZERO_RETURN) return 0;
  errno = (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) ? EAGAIN : ECONNRESET;
  return -1;
}

ssize_t ConnectionStream::send_some(const char* p, size_t n) {
  if (!ssl_) return ::send(fd_, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  ERR_clear_error();
  const int r = SSL_write(ssl_, p, int(std::min<size_t>(n, 1 << 30)));
  if (r > 0) return r;
  const int e = SSL_get_error(ssl_, r);
  errno = (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) ? EAGAIN : EPIPE;
  return -1;
}

void ConnectionStream::begin_request() {
  in_head_ = true;
  head_deadline_ = clock_.mono() + limits_.head_seconds;
  head_bytes_ = line_bytes_ = lines_ = body_bytes_ = 0;
  last_ = 0;
}

bool ConnectionStream::wait_for(short events, double deadline) const {
  for (;;) {
    const double left = deadline - clock_.mono();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    const int r = ::poll(&p, 1, int(std::ceil(std::min(left, kSlice) * 1000)));
    if (r > 0) return true;  // ready, or an error/hang-up the next call reports
    if (r < 0 && errno != EINTR) return false;
  }
}

bool ConnectionStream::wait_readable(double seconds) const {
  return off_ < buf_.size() || (ssl_ && SSL_pending(ssl_) > 0) || wait_for(POLLIN, clock_.mono() + seconds);
}

bool ConnectionStream::read_available() {
  buf_.erase(0, off_);
  off_ = 0;
  char tmp[4096];
  while (buf_.size() <= limits_.header_bytes) {
    const ssize_t n = recv_some(tmp, sizeof tmp, true);
    if (n > 0) {
      buf_.append(tmp, size_t(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  }
  return true;
}

bool head_complete(std::string_view b) {
  return b.rfind("\r\n", 0) == 0 || b.find("\r\n\r\n") != std::string_view::npos;
}

bool ConnectionStream::head_buffered() const {
  const std::string_view b = std::string_view(buf_).substr(off_);
  return b.size() > limits_.header_bytes || head_complete(b);
}

std::string ConnectionStream::take_buffered() {
  std::string out = buf_.substr(off_);
  buf_.clear();
  off_ = 0;
  return out;
}

bool ConnectionStream::is_readable() const { return wait_readable(limits_.read_seconds); }

bool ConnectionStream::is_writable() const {
  return !dead_ && wait_for(POLLOUT, clock_.mono() + limits_.write_seconds);
}

void ConnectionStream::refuse(int status, const char* reason, const std::string& message) {
  ++counters_.refused_requests;
  logger("vigil.http")->debug("request refused: {} {} ({})", status, reason, message);
  const std::string r = json_error_response(status, reason, message);
  write(r.data(), r.size());
  ::shutdown(fd_, SHUT_WR);
  dead_ = true;
}

bool ConnectionStream::account(const char* p, size_t n) {
  if (!in_head_) {
    body_bytes_ += n;
    if (body_bytes_ > limits_.body_bytes) {
      refuse(413, "Payload Too Large", "request body over " + std::to_string(limits_.body_bytes) + " bytes");
      return false;
    }
    return true;
  }
  for (size_t i = 0; i < n && in_head_; ++i) {
    const char c = p[i];
    ++head_bytes_;
    ++line_bytes_;
    if (c == '\n') {
      // A line that is only CRLF ends the head (httplib skips lines without CR).
      if (lines_ > 0 && line_bytes_ == 2 && last_ == '\r') {
        in_head_ = false;
        body_bytes_ = n - i - 1;
      }
      ++lines_;
      line_bytes_ = 0;
      if (lines_ > limits_.header_fields + 1) {
        refuse(431, "Request Header Fields Too Large",
               "more than " + std::to_string(limits_.header_fields) + " header lines");
        return false;
      }
    } else if (lines_ == 0 && line_bytes_ > limits_.request_line) {
      refuse(414, "URI Too Long", "request line over " + std::to_string(limits_.request_line) + " bytes");
      return false;
    } else if (lines_ > 0 && line_bytes_ > limits_.header_line) {
      refuse(431, "Request Header Fields Too Large",
             "header line over " + std::to_string(limits_.header_line) + " bytes");
      return false;
    }
    if (head_bytes_ > limits_.header_bytes) {
      refuse(431, "Request Header Fields Too Large",
             "request head over " + std::to_string(limits_.header_bytes) + " bytes");
      return false;
    }
    last_ = c;
  }
  if (!in_head_ && body_bytes_ > limits_.body_bytes) {
    refuse(413, "Payload Too Large", "request body over " + std::to_string(limits_.body_bytes) + " bytes");
    return false;
  }
  return true;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (dead_) return -1;
  if (off_ == buf_.size()) {
    const double deadline = in_head_ ? head_deadline_ : clock_.mono() + limits_.read_seconds;
    char tmp[4096];
    ssize_t n;
    for (;;) {
      // TLS: decrypted bytes may wait inside the session while the socket is quiet.
      if (!(ssl_ && SSL_pending(ssl_) > 0) && !wait_for(POLLIN, deadline)) {
        if (in_head_ && head_bytes_ > 0)
          refuse(408, "Request Timeout",
                 "request head not complete within " + std::to_string(int(limits_.head_seconds)) + " s");
        return -1;
      }
      n = recv_some(tmp, sizeof tmp, false);
      // EINTR; or TLS: a partial record (its rest not yet arrived)
      if (n < 0 && (errno == EINTR || (ssl_ && errno == EAGAIN))) continue;
      break;
    }
    if (n <= 0) return n;
    buf_.assign(tmp, size_t(n));
    off_ = 0;
  }
  const size_t n = std::min(size, buf_.size() - off_);
  if (!account(buf_.data() + off_, n)) return -1;
  std::memcpy(ptr, buf_.data() + off_, n);
  off_ += n;
  return ssize_t(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (dead_) return -1;
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = send_some(ptr + sent, size - sent);
    if (n > 0) {
      sent += size_t(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      // A reader that takes nothing for write_seconds is given up.
      if (errno != EINTR && !wait_for(POLLOUT, clock_.mono() + limits_.write_seconds)) return -1;
    } else {
      return -1;
    }
  }
  return ssize_t(size);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const { address_of(fd_, true, ip, port); }
void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const { address_of(fd_, false, ip, port); }

}  // namespace vigil
