#include "config/redact.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

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
  // scheme://user:password@host — the authority ends at / ? # or whitespace; the last
  // '@' in it ends the user info (as FFmpeg's av_url_split reads it). Built by appending
  // (a replace in place per URL is quadratic in a long text full of URLs).
  std::string out;
  size_t copied = 0;
  for (size_t pos = text.find("://"); pos != std::string::npos; pos = text.find("://", pos + 3)) {
    const size_t start = pos + 3;
    size_t end = text.find_first_of("/?# \t\r\n", start);
    if (end == std::string::npos) end = text.size();
    size_t at = std::string::npos;
    for (size_t i = start; i < end; ++i)
      if (text[i] == '@') at = i;
    if (at == std::string::npos) continue;
    size_t colon = text.find(':', start);
    if (colon < at && colon + 1 < at && colon + 1 >= copied) {
      out.append(text, copied, colon + 1 - copied);
      out += kRedacted;
      copied = at;
    }
  }
  out.append(text, copied);
  // ?name=value, &name=value, ;name=value with a secret name: the name is
  // [A-Za-z0-9_.-]+, the value runs to the next & # ; or white space. A scan, not a
  // std::regex (whose executor recurses per character: a long URL overflowed the stack).
  auto name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  };
  auto value_end = [](char c) {
    return c == '&' || c == '#' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
  };
  std::string masked;
  copied = 0;
  for (size_t i = 0; i < out.size();) {
    if (out[i] != '?' && out[i] != '&' && out[i] != ';') {
      ++i;
      continue;
    }
    size_t name_end = i + 1;
    while (name_end < out.size() && name_char(out[name_end])) ++name_end;
    if (name_end == i + 1 || name_end >= out.size() || out[name_end] != '=') {
      ++i;
      continue;
    }
    const size_t value = name_end + 1;
    size_t end = value;
    while (end < out.size() && !value_end(out[end])) ++end;
    if (end > value && is_secret_name(out.substr(i + 1, name_end - i - 1))) {
      masked.append(out, copied, value - copied);
      masked += kRedacted;
      copied = end;
    }
    i = end;
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
