// Registers every endpoint of ARCHITECTURE §5 on a router.
#pragma once

#include "api/context.hpp"
#include "http/router.hpp"

namespace psm::api {

void AddPublicRoutes(http::Router& router, ApiContext& ctx);
void AddOfficerRoutes(http::Router& router, ApiContext& ctx);
void AddSessionRoutes(http::Router& router, ApiContext& ctx);
void AddOpsRoutes(http::Router& router, ApiContext& ctx);
void AddControlRoutes(http::Router& router, ApiContext& ctx);  // alerts, PIN reset, unlocks
void AddExportRoutes(http::Router& router, ApiContext& ctx);   // audit, reports.csv

inline void AddRoutes(http::Router& router, ApiContext& ctx) {
  AddPublicRoutes(router, ctx);
  AddOfficerRoutes(router, ctx);
  AddSessionRoutes(router, ctx);
  AddOpsRoutes(router, ctx);
  AddControlRoutes(router, ctx);
  AddExportRoutes(router, ctx);
}

}  // namespace psm::api
