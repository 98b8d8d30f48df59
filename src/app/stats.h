// The /api/stats document (http-api.md §2.4), also published on MQTT <prefix>/stats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "detect/detector_pool.h"

namespace vigil {

class Camera;

// vigil-only counters, shown inside `service` (never as top-level keys).
struct ServiceCounters {
  uint64_t rejected_ingress_headers = 0;  // X-Ingress-Path values ignored as unsafe
};

// Secrets redacted (config/redact.h) like /api/config.
std::string stats_json(const Config& cfg, const std::vector<Camera*>& cameras,
                       const std::vector<DetectorStats>& detectors, double uptime_seconds,
                       const ServiceCounters& counters = {});

}  // namespace vigil
