#include "api/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace vigil {

std::string tls_error_text() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out = buf;  // the last one is the most specific
  }
  return out;
}

TlsContext::TlsContext(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (!ctx_) throw std::runtime_error("auth.tls: cannot create a TLS context: " + tls_error_text());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1) {
    const std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    throw std::runtime_error("auth.tls.cert: cannot load " + cert_file + ": " + why);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    throw std::runtime_error("auth.tls.key: cannot load " + key_file + ": " + why);
  }
  if (SSL_CTX_check_private_key(ctx_) != 1) {
    const std::string why = tls_error_text();
    SSL_CTX_free(ctx_);
    throw std::runtime_error("auth.tls.key: " + key_file + " does not match auth.tls.cert " + cert_file + ": " + why);
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

ssl_st* TlsContext::make_ssl(int fd) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl && SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

}  // namespace vigil
