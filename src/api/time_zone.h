// The UTC offset of a time zone named by a client (?timezone= of the 0.14 profile's
// summaries). GCC 12 has no std::chrono time-zone database, so IANA names are read from
// the system's TZif files (/usr/share/zoneinfo, or $TZDIR) by a small reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vigil {

// Offset east of UTC in seconds at Unix time `at` for: "utc"/"UTC"/"Etc/UTC"/"GMT"; a fixed
// offset "+HH", "+HHMM", "+HH:MM" (or '-'); an IANA name with a TZif file ("Europe/Berlin").
// nullopt for a name that is none of these (unsafe paths included). Like Frigate 0.14,
// callers apply the offset of *now* to every time they group (no per-date DST).
std::optional<int> utc_offset(const std::string& name, int64_t at);

// The offset of the TZif data `tzif` (the file's bytes) at `at`; nullopt when it does not parse.
std::optional<int> tzif_offset(const std::string& tzif, int64_t at);

}  // namespace vigil
