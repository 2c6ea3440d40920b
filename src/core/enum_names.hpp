// The wire and column names of an enum's values, written once in one table and read both ways
// (value → name, name → value), so no enum spells its names in a switch and again in a parser.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace psm {

// A table for an enum whose values run from 0 to `kLast`: name i is the name of E(i). Built at
// compile time; a table with a name missing (or empty) or one too many does not compile.
// Lookups never allocate and are safe from any thread.
template <class E, E kLast>
class EnumNames {
 public:
  static constexpr std::size_t kCount = static_cast<std::size_t>(kLast) + 1;

  consteval EnumNames(std::array<std::string_view, kCount> names) : names_(names) {
    for (const std::string_view name : names_) {
      // Evaluated at compile time: reaching the throw makes the table ill-formed.
      if (name.empty()) throw "EnumNames: a value has no name";
    }
  }

  // The value's name; "unknown" for a value outside the table (a cast from a bad integer).
  constexpr std::string_view Name(E value) const {
    const auto i = static_cast<std::size_t>(value);
    return i < kCount ? names_[i] : std::string_view("unknown");
  }

  // The value named exactly `name`, if any.
  constexpr std::optional<E> Parse(std::string_view name) const {
    for (std::size_t i = 0; i < kCount; ++i)
      if (names_[i] == name) return static_cast<E>(i);
    return std::nullopt;
  }

 private:
  std::array<std::string_view, kCount> names_;
};

}  // namespace psm
