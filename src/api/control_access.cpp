// The admin network check runs after authentication, so an outsider learns nothing about which
// tokens are valid, and a stolen admin token is useless outside the control room's network.
#include "api/control_access.hpp"

#include <algorithm>
#include <string>

#include "api/authenticate.hpp"

namespace psm::api {

Status RequireAdminNetwork(const ApiContext& ctx, Role role, std::string_view client_ip) {
  if (role != Role::kAdmin || ctx.options.admin_cidrs.empty()) return {};
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(client_ip, ec);
  const bool inside =
      !ec && std::any_of(ctx.options.admin_cidrs.begin(), ctx.options.admin_cidrs.end(),
                         [&](const http::Cidr& c) { return c.Contains(address); });
  if (inside) return {};
  return Error::Forbidden("admin_network",
                          "admin actions are allowed only from the control room's network; " +
                              std::string(client_ip) + " is outside PSM_ADMIN_CIDRS");
}

Result<auth::Principal> AuthorizeControl(ApiContext& ctx, const http::Request& req,
                                         std::initializer_list<Role> roles) {
  auto who = Authenticate(ctx, req);
  if (!who.ok()) return who.error();
  if (Status st = auth::RequireRole(*who, roles); !st.ok()) return st.error();
  if (Status st = RequireAdminNetwork(ctx, who->role, req.client_ip); !st.ok()) return st.error();
  return who;
}

RequestOrigin OriginOf(const auth::Principal& p, const http::Request& req) {
  return RequestOrigin{auth::Actor(p), std::string(ToString(p.role)), req.client_ip};
}

bool InScope(const auth::Principal& p, const StationId& station) {
  return auth::MayView(p, station).ok();
}

}  // namespace psm::api
