// Who a session acts as: a booth officer (one station), a sector officer (a set of stations) or
// an admin (the district). A domain type, so auth and the store share it without linking.
#pragma once

#include <optional>
#include <string_view>

namespace psm {

enum class Role { kOfficer, kSector, kAdmin };

// "officer", "sector", "admin": as stored and as sent on the wire.
std::string_view ToString(Role r);
// The role named `s`, or nullopt for any other text.
std::optional<Role> ParseRole(std::string_view s);

}  // namespace psm
