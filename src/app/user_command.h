// `vigil user add|passwd|del NAME` (docs/auth.md): the users of the authenticated
// listener, in the configured database. The password comes from a prompt without echo
// on a terminal, else from the first line of stdin.
#pragma once

#include <string>

#include "config/config.h"

namespace vigil {

// Returns the process exit code; messages go to stdout/stderr (never the password).
int run_user_command(const Config& cfg, const std::string& action, const std::string& name, const std::string& role);

}  // namespace vigil
