// Names of the control-room and officer roles, as stored and as sent on the wire.
#include "core/role.hpp"

#include <array>
#include <cstddef>

namespace psm {
namespace {

constexpr std::array<std::string_view, 3> kRoles = {"officer", "sector", "admin"};

}  // namespace

std::string_view ToString(Role r) {
  return kRoles[static_cast<std::size_t>(r)];
}

std::optional<Role> ParseRole(std::string_view s) {
  for (std::size_t i = 0; i < kRoles.size(); ++i) {
    if (kRoles[i] == s) return static_cast<Role>(i);
  }
  return std::nullopt;
}

}  // namespace psm
