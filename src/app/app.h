// Wires the stages together for one config: cameras, HTTP API. Runs until SIGINT or
// SIGTERM, then stops everything in reverse order.
#pragma once

#include "config/config.h"

namespace vigil {

// Returns the process exit status.
int run_vigil(const Config& cfg);

}  // namespace vigil
