// TLS for the authenticated listener (auth.tls): one OpenSSL server context, built once
// at start from a PEM certificate (chain) and key, TLS 1.2 or newer only. Each accepted
// connection gets its own SSL object (api/connections.h does the handshake on the
// connection's thread, within HttpLimits::head_seconds).
#pragma once

#include <memory>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace vigil {

class TlsContext {
 public:
  // Throws std::runtime_error naming `auth.tls.cert` or `auth.tls.key` and OpenSSL's
  // reason when the files cannot be loaded or do not match.
  TlsContext(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new server-side SSL on `fd` (null on allocation failure).
  ssl_st* make_ssl(int fd) const;

 private:
  ssl_ctx_st* ctx_ = nullptr;  // immutable after construction; SSL_new is thread-safe on it
};

// OpenSSL's last queued error as text ("" when none), and clears the queue.
std::string tls_error_text();

}  // namespace vigil
