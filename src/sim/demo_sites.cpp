// Station layout of one AC: buildings, rooms, localities and coordinates; see demo_sites.hpp.
#include "sim/demo_sites.hpp"

#include <algorithm>
#include <cassert>
#include <string_view>

namespace psm::sim {
namespace {

// One degree of longitude is shorter than one of latitude: cos(31.3°) ≈ 1/1.17.
constexpr std::int64_t kLonStretchPct = 117;
constexpr std::int64_t kMicroPerKm = 9009;  // micro-degrees of latitude per kilometre

struct Point {
  std::int64_t lat;
  std::int64_t lon;
};

// A point uniformly spread over the ring between `inner` and `outer` (micro-degrees of
// latitude) around `centre`; rejection sampling keeps it integer and exact.
Point Scatter(DemoRng& rng, Point centre, std::int64_t inner, std::int64_t outer) {
  for (;;) {
    const std::int64_t dy = rng.Between(-outer, outer);
    const std::int64_t dx = rng.Between(-outer, outer);
    const std::int64_t r2 = dx * dx + dy * dy;
    if (r2 > outer * outer || r2 < inner * inner) continue;
    return {centre.lat + dy, centre.lon + dx * kLonStretchPct / 100};
  }
}

// How many stations (rooms) a building gets, drawn from small weighted tables.
std::int64_t DrawRooms(DemoRng& rng, std::initializer_list<int> weights) {
  int total = 0;
  for (int w : weights)
    total += w;
  int pick = static_cast<int>(rng.Below(static_cast<std::uint64_t>(total)));
  std::int64_t rooms = 1;
  for (int w : weights) {
    if (pick < w) return rooms;
    pick -= w;
    ++rooms;
  }
  return 1;
}

struct Site {
  std::string building;
  std::string locality;
  Point at;
  std::int64_t rooms;
};

void AddStations(const DemoAcFacts& ac, const Site& site, std::vector<Station>& out) {
  for (std::int64_t room = 1; room <= site.rooms; ++room) {
    Station s;
    s.id = StationId{ac.number, static_cast<int>(out.size()) + 1};
    s.building = site.building;
    s.locality = site.locality;
    s.name = site.building + ", " + site.locality;
    if (site.rooms > 1) s.name += ", Room " + std::to_string(room);
    s.lat = static_cast<double>(site.at.lat) / 1e6;
    s.lon = static_cast<double>(site.at.lon) / 1e6;
    out.push_back(std::move(s));
  }
}

std::vector<Station> LayOutCity(const DemoAcFacts& ac, std::int64_t count, DemoRng& rng) {
  const auto localities = CityLocalities(ac.number);
  const auto buildings = UrbanBuildings();
  // Each locality sits at one spot of the AC; its buildings are a few hundred metres apart.
  std::vector<Point> spots;
  for (std::size_t i = 0; i < localities.size(); ++i)
    spots.push_back(Scatter(rng, {ac.lat, ac.lon}, 0, 2 * kMicroPerKm));
  // Every (building, locality) pair is used once, so no two sites share a name.
  const std::size_t pairs = localities.size() * buildings.size();
  // Every site has at least one room and a city AC has at most ~200 stations at scale 1.
  assert(static_cast<std::size_t>(count) <= pairs);
  std::vector<bool> used(pairs, false);
  std::vector<Station> out;
  while (static_cast<std::int64_t>(out.size()) < count) {
    const std::int64_t left = count - static_cast<std::int64_t>(out.size());
    std::size_t k = rng.Below(pairs);
    while (used[k])
      k = (k + 1) % pairs;  // the next free pair: deterministic and terminating
    used[k] = true;
    const std::size_t loc = k / buildings.size();
    Site site{std::string(buildings[k % buildings.size()]), std::string(localities[loc]),
              Scatter(rng, spots[loc], 0, kMicroPerKm / 4), 0};
    site.rooms = std::min(left, DrawRooms(rng, {2, 3, 3, 2}));
    AddStations(ac, site, out);
  }
  return out;
}

std::vector<Station> LayOutRural(const DemoAcFacts& ac, std::int64_t count, DemoRng& rng,
                                 std::set<std::string>& used_villages) {
  const auto buildings = UrbanBuildings();
  const Point town{ac.lat, ac.lon};
  std::vector<Station> out;
  int wards = 0;
  while (static_cast<std::int64_t>(out.size()) < count) {
    const std::int64_t left = count - static_cast<std::int64_t>(out.size());
    Site site;
    if (rng.Chance(1, 5)) {  // a ward of the town: one polling building per ward
      ++wards;
      site.building = buildings[rng.Below(buildings.size())];
      site.locality = "Ward No. " + std::to_string(wards) + ", " + std::string(ac.town);
      site.at = Scatter(rng, town, 0, 3 * kMicroPerKm / 2);
      site.rooms = std::min(left, DrawRooms(rng, {2, 3, 2}));
    } else {
      std::string village;
      for (int attempt = 0; attempt < 64 && village.empty(); ++attempt) {
        std::string candidate = InventVillageName(rng);
        if (!used_villages.contains(candidate)) village = std::move(candidate);
      }
      if (village.empty()) {  // the name space is nearly exhausted; number the hamlets
        village = "Chak " + std::to_string(used_villages.size() + 1);
      }
      used_villages.insert(village);
      site.building = DrawRuralBuilding(rng);
      site.locality = std::move(village);
      site.at = Scatter(rng, town, 3 * kMicroPerKm / 2, 9 * kMicroPerKm);
      site.rooms = std::min(left, DrawRooms(rng, {11, 6, 3}));
    }
    AddStations(ac, site, out);
  }
  return out;
}

}  // namespace

std::vector<Station> LayOutStations(const DemoAcFacts& ac, std::int64_t count, DemoRng& rng,
                                    std::set<std::string>& used_villages) {
  return ac.urban ? LayOutCity(ac, count, rng) : LayOutRural(ac, count, rng, used_villages);
}

}  // namespace psm::sim
