#include "api/json_error.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace vigil {

void json_error(httplib::Response& res, int status, const std::string& message) {
  const nlohmann::json j = {{"success", false}, {"message", message}};
  res.status = status;
  res.set_content(j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
}

}  // namespace vigil
