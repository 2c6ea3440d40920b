// Who is calling (a Principal, built from a session) and what each role may do.
// Pure functions of their arguments: thread-safe, no I/O, cheap enough for every request.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "core/role.hpp"
#include "core/time.hpp"

namespace psm::auth {

// An authenticated caller.
struct Principal {
  Role role = Role::kOfficer;
  std::optional<StationId> station;  // kOfficer: the one station the token was issued for
  std::string user;                  // kSector, kAdmin: the control-room user name
  std::vector<StationId> stations;   // kSector: the stations they cover
  Instant expires_at{};              // the session's end; SessionCache enforces it
};

// Ok when `p` may post reports for `station`: an officer for their own station only, a sector
// officer for the stations they cover, an admin for any. Otherwise kForbidden, e.g. reason
// "wrong_station", detail "this token is for station 34-112".
Status MaySubmitFor(const Principal& p, const StationId& station);

// Ok when `p` may see the control-room view of `station` (alerts, audit, timeline details), with
// the same scope as MaySubmitFor. The public station status needs no Principal at all.
Status MayView(const Principal& p, const StationId& station);

// Ok when `p.role` is one of `roles`; otherwise kForbidden naming the roles that would do.
Status RequireRole(const Principal& p, std::initializer_list<Role> roles);

// The audit-log name of the caller: "officer:34-112" for officers, "user:alice" for the control
// room.
std::string Actor(const Principal& p);

}  // namespace psm::auth
