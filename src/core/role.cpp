// Names of the control-room and officer roles, as stored and as sent on the wire.
#include "core/role.hpp"

#include "core/enum_names.hpp"

namespace psm {
namespace {

constexpr EnumNames<Role, Role::kAdmin> kRoles({"officer", "sector", "admin"});

}  // namespace

std::string_view ToString(Role r) {
  return kRoles.Name(r);
}

std::optional<Role> ParseRole(std::string_view s) {
  return kRoles.Parse(s);
}

}  // namespace psm
