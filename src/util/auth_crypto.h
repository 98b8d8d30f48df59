// The cryptography of authentication (docs/auth.md), all from libsodium: Argon2id
// password hashes, HMAC-SHA256, random bytes, base64url and constant-time comparison.
#pragma once

#include <optional>
#include <string>

namespace vigil {

// Initialises libsodium (idempotent, thread-safe); false when it cannot.
bool crypto_ready();

// An Argon2id hash string ($argon2id$v=19$m=...), self-describing: cost and salt inside.
// Cost: libsodium's "interactive" memory (64 MiB) with ops 3, over 50 ms per check.
std::string hash_password(const std::string& password);
// True when `password` matches `hash` (constant time in the password).
bool verify_password(const std::string& password, const std::string& hash);

// HMAC-SHA256 of `message` under `key` (any length: longer keys are hashed first).
std::string hmac_sha256(const std::string& key, const std::string& message);
// `n` bytes from the system's CSPRNG.
std::string random_bytes(size_t n);
// Equal length and contents, in time that depends only on the length.
bool constant_time_equal(const std::string& a, const std::string& b);

// base64url without padding (RFC 7515 §2), and its inverse (nullopt when invalid).
std::string base64url_encode(const std::string& bytes);
std::optional<std::string> base64url_decode(const std::string& text);

}  // namespace vigil
