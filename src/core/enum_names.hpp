// The wire and column names of an enum's values, written once in one table and read both ways
// (value → name, name → value), so no enum spells its names in a switch and again in a parser.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace psm {

// A table for an enum whose values run from 0 up: entry i is the value E(i) and its name.
// Built at compile time; a table that skips or reorders a value does not compile. Lookups
// never allocate and are safe from any thread.
template <class E, std::size_t N>
class EnumNames {
 public:
  using Entry = std::pair<E, std::string_view>;

  consteval EnumNames(std::array<Entry, N> entries) : entries_(entries) {
    for (std::size_t i = 0; i < N; ++i) {
      // Evaluated at compile time: reaching the throw makes the table ill-formed.
      if (static_cast<std::size_t>(entries_[i].first) != i) throw "EnumNames: values out of order";
    }
  }

  // The value's name; "unknown" for a value outside the table (a cast from a bad integer).
  constexpr std::string_view Name(E value) const {
    const auto i = static_cast<std::size_t>(value);
    return i < N ? entries_[i].second : std::string_view("unknown");
  }

  // The value named exactly `name`, if any.
  constexpr std::optional<E> Parse(std::string_view name) const {
    for (const auto& [value, n] : entries_)
      if (n == name) return value;
    return std::nullopt;
  }

 private:
  std::array<Entry, N> entries_;
};

}  // namespace psm
