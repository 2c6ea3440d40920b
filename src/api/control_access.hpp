// Authorisation for control-room endpoints: a valid token, an allowed role, and for admins a
// client address inside the configured CIDR ranges. One place, so every endpoint refuses alike.
#pragma once

#include <initializer_list>
#include <string_view>

#include "api/context.hpp"
#include "auth/access.hpp"
#include "http/request.hpp"
#include "writer/alert_desk.hpp"

namespace psm::api {

// The caller's Principal when the token is valid (else kUnauthorized), its role is in `roles`
// (else kForbidden "role_required") and, for an admin, `req.client_ip` is inside
// ctx.options.admin_cidrs when that list is set (else kForbidden "admin_network"). Never blocks.
Result<auth::Principal> AuthorizeControl(ApiContext& ctx, const http::Request& req,
                                         std::initializer_list<Role> roles);

// For an admin: kForbidden "admin_network" unless `client_ip` is inside ctx.options.admin_cidrs
// (when that list is set). Every admin action checks it — control-room commands, reports and
// logging in — so an admin password or token is useless outside the control room's network.
Status RequireAdminNetwork(const ApiContext& ctx, Role role, std::string_view client_ip);

// Who is asking, for the audit log.
RequestOrigin OriginOf(const auth::Principal& p, const http::Request& req);

// True when `p` may see `station` (admins: every station; sectors: their own).
bool InScope(const auth::Principal& p, const StationId& station);

}  // namespace psm::api
