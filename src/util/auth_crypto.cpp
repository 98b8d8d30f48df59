#include "util/auth_crypto.h"

#include <sodium.h>

#include <stdexcept>

namespace vigil {
namespace {

// Argon2id cost: 3 passes over 64 MiB (libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE is 2
// passes); measured in docs/auth.md, over 50 ms per verification on the test machine.
constexpr unsigned long long kOps = 3;
constexpr size_t kMem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

}  // namespace

bool crypto_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string hash_password(const std::string& password) {
  if (!crypto_ready()) throw std::runtime_error("libsodium cannot be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), kOps, kMem) != 0)
    throw std::runtime_error("password hashing failed: out of memory");
  return out;
}

bool verify_password(const std::string& password, const std::string& hash) {
  if (!crypto_ready() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string hmac_sha256(const std::string& key, const std::string& message) {
  crypto_ready();
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

std::string random_bytes(size_t n) {
  if (!crypto_ready()) throw std::runtime_error("libsodium cannot be initialised");
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  crypto_ready();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url_encode(const std::string& bytes) {
  crypto_ready();
  const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), v), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), v);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> base64url_decode(const std::string& text) {
  crypto_ready();
  std::string out(text.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace vigil
