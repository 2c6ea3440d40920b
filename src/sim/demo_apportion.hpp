// Exact integer apportionment for the demo-data generator: split a total over weights so the
// parts sum to the total exactly (largest remainder), and keep parts within bounds.
#pragma once

#include <cstdint>
#include <vector>

namespace psm::sim {

// Splits `total` (>= 0) into weights.size() parts proportional to `weights` (each >= 0, not all
// 0) by the largest-remainder method: every part is its quota rounded down, and the leftover
// units go to the largest fractional remainders (ties: lower index first). The parts sum to
// `total` exactly. Integer arithmetic only, so the result is the same on every platform.
std::vector<std::int64_t> Apportion(std::int64_t total, const std::vector<std::int64_t>& weights);

// Moves units between parts until every part is within [lo, hi], keeping the sum, and changing
// as little as it can (excess is spread over the parts with room, evenly). Requires
// lo * n <= sum <= hi * n (returns false, leaving `parts` unspecified, otherwise).
bool FitWithinBounds(std::vector<std::int64_t>& parts, std::int64_t lo, std::int64_t hi);

}  // namespace psm::sim
