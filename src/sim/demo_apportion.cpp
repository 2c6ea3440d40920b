// Largest-remainder apportionment and bound fitting; see demo_apportion.hpp.
#include "sim/demo_apportion.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace psm::sim {

std::vector<std::int64_t> Apportion(std::int64_t total, const std::vector<std::int64_t>& weights) {
  assert(total >= 0);
  std::vector<std::int64_t> parts(weights.size(), 0);
  __int128 sum = 0;
  for (const auto w : weights) {
    assert(w >= 0);
    sum += w;
  }
  if (sum == 0 || weights.empty()) return parts;
  std::vector<__int128> remainders(weights.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const __int128 scaled = static_cast<__int128>(total) * weights[i];
    parts[i] = static_cast<std::int64_t>(scaled / sum);
    remainders[i] = scaled % sum;
    given += parts[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  // Fewer than weights.size() units are left over, one per largest remainder.
  for (std::size_t k = 0; given < total; ++k, ++given)
    ++parts[order[k]];
  return parts;
}

bool FitWithinBounds(std::vector<std::int64_t>& parts, std::int64_t lo, std::int64_t hi) {
  const auto n = static_cast<std::int64_t>(parts.size());
  const std::int64_t sum = std::accumulate(parts.begin(), parts.end(), std::int64_t{0});
  if (lo > hi || sum < lo * n || sum > hi * n) return false;
  // Clamp, remembering how much the clamping added (negative) or removed (positive).
  std::int64_t surplus = 0;
  for (auto& p : parts) {
    if (p > hi) {
      surplus += p - hi;
      p = hi;
    } else if (p < lo) {
      surplus -= lo - p;
      p = lo;
    }
  }
  // Give the surplus back (or take the deficit) evenly over the parts that can still move.
  while (surplus != 0) {
    std::int64_t movable = 0;
    for (const auto p : parts)
      movable += surplus > 0 ? (p < hi) : (p > lo);
    assert(movable > 0);
    const std::int64_t need = surplus > 0 ? surplus : -surplus;
    const std::int64_t share = std::max<std::int64_t>(1, need / movable);
    for (auto& p : parts) {
      if (surplus == 0) break;
      if (surplus > 0 && p < hi) {
        const std::int64_t d = std::min({share, hi - p, surplus});
        p += d;
        surplus -= d;
      } else if (surplus < 0 && p > lo) {
        const std::int64_t d = std::min({share, p - lo, -surplus});
        p -= d;
        surplus += d;
      }
    }
  }
  return true;
}

}  // namespace psm::sim
