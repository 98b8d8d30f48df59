#include "config/redact.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>

namespace vigil {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace

bool is_secret_name(const std::string& name) {
  const std::string n = lower(name);
  // Inside a longer word these still mean a secret (FRIGATE_MQTTPASSWORD, accesstoken).
  for (const char* part : {"password", "passwd", "secret", "token", "apikey", "credential"})
    if (n.find(part) != std::string::npos) return true;
  // Short ones only as a word of the name (x-api-key, FRIGATE_RTSP_PASS, auth).
  static const char* const kWords[] = {"pwd", "pass", "key", "auth", "passphrase"};
  size_t i = 0;
  while (i < n.size()) {
    while (i < n.size() && !std::isalnum(static_cast<unsigned char>(n[i]))) ++i;
    size_t j = i;
    while (j < n.size() && std::isalnum(static_cast<unsigned char>(n[j]))) ++j;
    const std::string word = n.substr(i, j - i);
    for (const char* w : kWords)
      if (word == w) return true;
    i = j;
  }
  return false;
}

std::string mask_credentials(const std::string& text) {
  std::string out = text;
  // scheme://user:password@host — the authority ends at / ? # or whitespace; the last
  // '@' in it ends the user info (as FFmpeg's av_url_split reads it).
  for (size_t pos = out.find("://"); pos != std::string::npos; pos = out.find("://", pos + 3)) {
    const size_t start = pos + 3;
    size_t end = out.find_first_of("/?# \t\r\n", start);
    if (end == std::string::npos) end = out.size();
    size_t at = std::string::npos;
    for (size_t i = start; i < end; ++i)
      if (out[i] == '@') at = i;
    if (at == std::string::npos) continue;
    size_t colon = out.find(':', start);
    if (colon < at && colon + 1 < at) out.replace(colon + 1, at - colon - 1, kRedacted);
  }
  // ?name=value, &name=value, ;name=value with a secret name.
  static const std::regex kParam("([?&;])([A-Za-z0-9_.-]+)=([^&#;\\s]*)");
  std::string masked;
  size_t copied = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kParam); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    if (!is_secret_name(m[2].str()) || m[3].length() == 0) continue;
    masked.append(out, copied, size_t(m.position(3)) - copied);
    masked += kRedacted;
    copied = size_t(m.position(3) + m.length(3));
  }
  masked.append(out, copied);
  return masked;
}

namespace {

// `secret`: `j` is the value of a secret key, or an element of such a value's list.
// Objects under a secret key are walked by their own keys: user-chosen names (a zone
// called "key") must not blank whole sections.
void redact(nlohmann::json& j, bool secret) {
  if (j.is_string()) {
    j = secret ? std::string(kRedacted) : mask_credentials(j.get_ref<const std::string&>());
  } else if (j.is_array()) {
    for (auto& v : j) redact(v, secret);
  } else if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (k == "environment_vars" && v.is_object()) {
        for (auto& value : v) redact(value, true);  // every value: the names are free
      } else {
        redact(v, is_secret_name(k));
      }
    }
  }
}

}  // namespace

void redact_json(nlohmann::json& doc) { redact(doc, false); }

}  // namespace vigil
