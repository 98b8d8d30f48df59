// Query parameter parsing with the validation rules of http-api.md §1.2. A malformed
// or out-of-range value throws BadParam, which the server turns into a 400 JSON error.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace httplib {
struct Request;
}

namespace vigil {

struct BadParam : std::runtime_error {
  using std::runtime_error::runtime_error;  // message "<parameter>: <reason>"
};

// Integer: optional '-' then decimal digits.
std::optional<long long> int_param(const httplib::Request& req, const std::string& name);
// Integer within [lo, hi].
std::optional<long long> int_param(const httplib::Request& req, const std::string& name, long long lo, long long hi);
// Decimal number (12, 12.5, -3, 1e3); nan, inf and empty are rejected.
std::optional<double> number_param(const httplib::Request& req, const std::string& name);
// Overlay flag: any non-zero integer is on.
bool flag_param(const httplib::Request& req, const std::string& name);
// A comma list (Frigate 0.14's `cameras`, `labels`, …); empty when absent or when it
// names "all".
std::vector<std::string> list_param(const httplib::Request& req, const std::string& name);

bool parse_int(const std::string& s, long long* out);
bool parse_number(const std::string& s, double* out);

}  // namespace vigil
