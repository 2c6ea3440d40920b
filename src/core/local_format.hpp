// Local-time and count text for messages an officer reads ("11:00 IST", "412 (men 220, …)").
#pragma once

#include <chrono>
#include <string>

#include "core/model.hpp"
#include "core/time.hpp"

namespace psm {

// "11:00 IST" (seconds only when non-zero: "11:00:30 IST"). The offset +05:30 is named IST;
// any other offset is written as "UTC+01:00" so the text is never ambiguous.
std::string FormatLocalTime(Instant t, std::chrono::minutes utc_offset);

// "412 (men 220, women 192, others 0)".
std::string FormatCounts(const Counts& c);

}  // namespace psm
