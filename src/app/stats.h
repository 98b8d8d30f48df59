// The /api/stats document (http-api.md §2.4), also published on MQTT <prefix>/stats.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "detect/detector_pool.h"

namespace vigil {

class Camera;

std::string stats_json(const Config& cfg, const std::vector<Camera*>& cameras,
                       const std::vector<DetectorStats>& detectors, double uptime_seconds);

}  // namespace vigil
