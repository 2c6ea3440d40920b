// The facts and place names the demo Jalandhar district is built from: the 9 real assembly
// constituencies with their 2024 roll sizes, town centres, and plausible locality and village
// names. Real: AC numbers, names, reservation, sizes, town positions. Invented: everything else.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/demo_random.hpp"

namespace psm::sim {

inline constexpr std::string_view kDemoDistrict = "Jalandhar";
// The 2024 Lok Sabha roll of the district: stations and electors by gender.
inline constexpr std::int64_t kDemoStations = 1951;
inline constexpr std::int64_t kDemoMen = 859688;
inline constexpr std::int64_t kDemoWomen = 794273;
inline constexpr std::int64_t kDemoOthers = 44;
inline constexpr std::int64_t kDemoElectors = kDemoMen + kDemoWomen + kDemoOthers;  // 1,654,005

// One assembly constituency. Coordinates are micro-degrees (31.326 → 31326000).
struct DemoAcFacts {
  int number;
  std::string_view name;
  std::string_view reserved;  // "SC" or ""
  std::int64_t electors;      // its real size, used only as a weight
  bool urban;                 // one of the four Jalandhar city seats
  std::string_view epic_prefix;
  std::string_view town;  // rural ACs: the town its villages surround; urban: ""
  std::int64_t lat;       // centre of its stations
  std::int64_t lon;
};

// The 9 ACs of Jalandhar district in number order (30 Phillaur … 38 Adampur).
std::span<const DemoAcFacts> DemoAcs();

// City localities (mohallas, colonies) used for the stations of an urban AC (34–37).
std::span<const std::string_view> CityLocalities(int ac);
// Buildings that host polling stations in the city and in the towns' wards.
std::span<const std::string_view> UrbanBuildings();
// A village's polling building, drawn with rural frequencies (mostly government schools).
std::string_view DrawRuralBuilding(DemoRng& rng);
// An invented, plausible Punjabi village name such as "Jandwal Kalan" or "Chak Rupian".
// Names may repeat across calls; callers keep the ones they have not used yet.
std::string InventVillageName(DemoRng& rng);

}  // namespace psm::sim
