// Test hook VIGIL_TEST_DETECTOR_HANGS_AFTER=<n>: after n inferences (counted over every
// detector and generation), each further inference never returns, as a hung accelerator
// or driver call would not. It lets the shutdown test (tests/integration/
// shutdown_test.cpp) stop vigil with a stuck detector. Logged as a warning at start.
#pragma once

#include <optional>

#include "detect/detector_pool.h"

namespace vigil {

// n when the hook is set (a non-negative integer), else nullopt.
std::optional<int> test_detector_hang_after();

// make_detector() whose detectors hang after `calls` inferences in all.
DetectorPool::Factory hanging_detector_factory(const Config& cfg, int calls);

}  // namespace vigil
