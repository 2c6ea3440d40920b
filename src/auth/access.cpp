// Role rules. Station scope is checked here once so every handler refuses the same way.
#include "auth/access.hpp"

#include <algorithm>
#include <string_view>

namespace psm::auth {
namespace {

// `verb` completes "... may not <verb> station X".
Status InScope(const Principal& p, const StationId& station, std::string_view verb) {
  switch (p.role) {
    case Role::kAdmin:
      return {};
    case Role::kOfficer:
      if (!p.station) {
        return Error::Forbidden("no_station", "this token is for no station");
      }
      if (*p.station == station) return {};
      return Error::Forbidden("wrong_station",
                              "this token is for station " + p.station->ToString());
    case Role::kSector:
      if (std::find(p.stations.begin(), p.stations.end(), station) != p.stations.end()) return {};
      return Error::Forbidden("wrong_station", "user " + p.user + " may not " + std::string(verb) +
                                                   " station " + station.ToString() +
                                                   ": it is not among their stations");
  }
  return Error::Forbidden("unknown_role", "unknown role");
}

}  // namespace

Status MaySubmitFor(const Principal& p, const StationId& station) {
  return InScope(p, station, "report for");
}

Status MayView(const Principal& p, const StationId& station) {
  return InScope(p, station, "view");
}

Status RequireRole(const Principal& p, std::initializer_list<Role> roles) {
  if (std::find(roles.begin(), roles.end(), p.role) != roles.end()) return {};
  std::string names;
  for (Role r : roles) {
    if (!names.empty()) names += " or ";
    names += ToString(r);
  }
  if (names.empty()) names = "no role";  // an empty list admits nobody
  return Error::Forbidden("role_required", "this needs role " + names + "; this token has role " +
                                               std::string(ToString(p.role)));
}

std::string Actor(const Principal& p) {
  if (p.role == Role::kOfficer) {
    return "officer:" + (p.station ? p.station->ToString() : std::string("unknown"));
  }
  return "user:" + p.user;
}

}  // namespace psm::auth
