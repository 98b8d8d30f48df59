// Secrets kept out of every output: the /api/config and /api/stats documents and the
// log. One set of rules (which names are secret, how a URL hides its password) used
// by all of them.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace vigil {

// What a secret value is replaced with.
inline constexpr const char* kRedacted = "*****";

// A key or parameter name that holds a secret: password, passwd, pwd, pass, secret,
// token, key, api_key, auth, credentials… (any case; "key" and "pass" only as a whole
// word, so "keyboard" and "passport" are not secrets).
bool is_secret_name(const std::string& name);

// Masks the password of `scheme://user:password@host` and the values of query
// parameters with a secret name (is_secret_name) anywhere in `text`.
std::string mask_credentials(const std::string& text);

// In place, at every level: string values under a secret name become kRedacted, the
// values of `environment_vars` all do, and every other string goes through
// mask_credentials. Keys and non-string values are kept (clients read the shape).
void redact_json(nlohmann::json& doc);

}  // namespace vigil
