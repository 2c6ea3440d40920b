// Tokens are looked up by their SHA-256, so the cache never holds a usable token.
#include "api/authenticate.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include "auth/token.hpp"

namespace psm::api {

Result<auth::Principal> Authenticate(ApiContext& ctx, const http::Request& req) {
  const std::string_view header = req.Header("Authorization");
  if (header.empty())
    return Error::Unauthorized("missing_token", "log in first: send Authorization: Bearer <token>");
  // The scheme's name is case-insensitive (RFC 9110 section 11.1): "bearer" is Bearer too.
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() ||
      !boost::beast::iequals(boost::beast::string_view(header.data(), kScheme.size()),
                             boost::beast::string_view(kScheme.data(), kScheme.size())))
    return Error::Unauthorized("bad_token", "the Authorization header must be \"Bearer <token>\"");
  const std::string_view token = header.substr(kScheme.size());
  if (!auth::IsWellFormedToken(token))
    return Error::Unauthorized("bad_token", "the token is malformed");
  const std::string hash = auth::TokenHash(token);
  auto principal = ctx.sessions.Find(hash, ctx.real_clock.Now());
  if (!principal)
    return Error::Unauthorized("expired_token",
                               "the token is unknown or has expired; log in again");
  // Budgeted per login, not per address: a sector's officers behind one address are many logins.
  if (Status st = ctx.limits.Token(hash); !st.ok()) return st.error();
  return *principal;
}

void Audit(Store& store, AuditEntry entry) {
  Status st = store.AppendAudit({entry});
  if (!st.ok()) {
    spdlog::error("audit write failed: {} ({} {} {})", st.error().detail, entry.action, entry.actor,
                  entry.station);
  }
}

}  // namespace psm::api
