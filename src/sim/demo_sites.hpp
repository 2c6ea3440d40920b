// Lays out one AC's polling stations on the map: which building and locality each part is in,
// how many rooms (stations) a building has, and where it is. Names only; sizes come later.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "sim/demo_names.hpp"
#include "sim/demo_random.hpp"

namespace psm::sim {

// Returns `count` stations of `ac`, parts 1..count in order, with name, building, locality and
// coordinates set and electors left 0. Stations in one building share its coordinates and are
// named "<building>, <locality>, Room k"; a single-station building has no room suffix. Urban
// ACs use city localities within ~2 km of the AC's centre; rural ACs put about a quarter of
// their stations in the town's wards and the rest in invented villages 1.5–9 km around it.
// `used_villages` holds the village names already taken in the district; new ones are added,
// so no two villages share a name. Deterministic in `rng`.
std::vector<Station> LayOutStations(const DemoAcFacts& ac, std::int64_t count, DemoRng& rng,
                                    std::set<std::string>& used_villages);

}  // namespace psm::sim
