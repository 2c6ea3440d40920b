// The demo Jalandhar district: a deterministic, synthetic roll with the real district's shape
// (9 ACs, 1,951 stations, 1,654,005 electors at scale 1). A pure generator plus an elector
// enumerator; demo_write.hpp turns the result into the CSV files `psm import` reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace psm::sim {

inline constexpr std::int64_t kMinStationElectors = 400;
inline constexpr std::int64_t kMaxStationElectors = 1500;

struct DemoOptions {
  std::uint64_t seed = 1;
  double scale = 1.0;  // 0 < scale <= 1; stations and electors are scaled, the 9 ACs stay
};

// How the EPIC numbers of one AC are made: prefix + 7 digits. The first elector (k = 0) of the
// AC gets serial 0000001 (so "JLW0000001" is at 34-1); the k-th after it gets 2 + P(k - 1),
// where P is a keyed permutation of [0, 9,999,998) (a Feistel network with cycle walking).
// Serials of an AC are therefore distinct by construction yet look scattered, and the
// prefixes differ per AC, so every EPIC of the district is unique.
struct DemoEpicSeries {
  int ac = 0;
  std::string prefix;     // 3 upper-case letters, e.g. "JLW"
  std::uint64_t key = 0;  // drawn from the seed
};

struct DemoDistrict {
  std::vector<Constituency> constituencies;  // in AC number order
  std::vector<Station> stations;             // by AC, then part 1..N without gaps
  std::vector<DemoEpicSeries> epic_series;   // one per constituency, same order
  // Sum of the stations' elector counts.
  Counts Totals() const;
};

// Builds the district for `options`. Same options → same district, on every platform (own
// PRNG, integer arithmetic). Every station holds kMinStationElectors..kMaxStationElectors
// electors, the AC and gender totals are exact (largest remainder), every AC has at least one
// station. kInvalid when the scale is out of range or so small that an AC would have fewer
// electors than one station's minimum (the message names the smallest usable scale).
// Pure, thread-safe, ~10 ms at scale 1.
Result<DemoDistrict> GenerateDemoDistrict(const DemoOptions& options);

// Writes the 10-character EPIC of the `serial`-th (0-based, < 9,999,999) elector of the
// series into `out`.
void FormatDemoEpic(const DemoEpicSeries& series, std::int64_t serial, char* out);

// Calls fn(std::string_view epic, const Station& station) for every elector of the district:
// station by station in `district.stations` order, each station's electors.Total() times.
template <class Fn>
void ForEachDemoElector(const DemoDistrict& district, Fn&& fn) {
  char epic[10];
  std::size_t series = 0;
  std::int64_t serial = 0;
  for (const Station& station : district.stations) {
    while (district.epic_series[series].ac != station.id.ac) {
      ++series;
      serial = 0;
    }
    const std::int64_t n = station.electors.Total();
    for (std::int64_t i = 0; i < n; ++i, ++serial) {
      FormatDemoEpic(district.epic_series[series], serial, epic);
      fn(std::string_view(epic, sizeof epic), station);
    }
  }
}

}  // namespace psm::sim
