// Bearer-token authentication for handlers: token → Principal from the in-memory cache.
#pragma once

#include <optional>

#include "api/context.hpp"
#include "auth/access.hpp"
#include "http/request.hpp"

namespace psm::api {

// The principal of `req`'s bearer token, spending one request of its per-token budget; or
// kUnauthorized saying what is wrong (missing, malformed, unknown or expired token), or kLocked
// (reason "rate_limited_token", with retry_after) when the budget is spent. Never blocks.
Result<auth::Principal> Authenticate(ApiContext& ctx, const http::Request& req);

// Writes one audit entry from a pool thread; failures are logged, never silent.
void Audit(Store& store, AuditEntry entry);

}  // namespace psm::api
