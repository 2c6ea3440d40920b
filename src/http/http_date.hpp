// The Date header every answer carries (RFC 9110 §6.6.1), as nginx writes it: formatted once
// per second per thread, so the read path pays a coarse clock read and a compare.
#pragma once

#include <array>
#include <cstddef>
#include <ctime>
#include <string_view>

namespace psm::http {

// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"): always this many bytes.
inline constexpr std::size_t kHttpDateSize = 29;

struct HttpDate {
  std::array<char, kHttpDateSize> text{};
  std::string_view view() const { return {text.data(), text.size()}; }
};

// `t` (seconds since the Unix epoch, UTC) as an IMF-fixdate.
HttpDate FormatHttpDate(std::time_t t);

// The current second's date, from a per-thread cache refreshed when the second changes.
HttpDate CurrentHttpDate();

}  // namespace psm::http
