#include "api/storage_routes.h"

#include <httplib.h>

#include "api/connections.h"

namespace vigil {

void add_storage_routes(ConnectionServer& svr, std::function<std::string()> document) {
  if (!document) return;
  svr.Get("/api/recordings/storage", [document](const httplib::Request&, httplib::Response& res) {
    res.set_content(document() + "\n", "application/json");
  });
}

}  // namespace vigil
