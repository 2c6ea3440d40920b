// EPIC → station: ElectorIndex::Find over the demo district's whole roll, the look-up behind
// GET /api/v1/lookup?epic=. EPICs are asked in random order, as voters ask them.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "board/elector_index.hpp"
#include "micro/demo_inputs.hpp"

namespace psm::microbench {
namespace {

using Epic = std::array<char, 10>;

std::string_view View(const Epic& epic) {
  return {epic.data(), epic.size()};
}

struct Roll {
  ElectorIndex index;
  std::vector<Epic> known;                // sampled from the roll, shuffled
  std::vector<std::uint32_t> station_of;  // the station each of `known` votes at
  std::vector<Epic> unknown;              // well formed, with a real prefix, on no roll
};

// The index as `psm serve` builds it (station numbers are the Board's, i.e. the district's
// order), and 65,536 electors sampled evenly across the roll.
const Roll& DemoRoll() {
  static const Roll roll = [] {
    const sim::DemoDistrict& district = District();
    constexpr std::size_t kSample = 1 << 16;
    const auto total = static_cast<std::size_t>(district.Totals().Total());
    const std::size_t every = (total + kSample - 1) / kSample;  // evenly, to the last AC
    Roll r;
    std::size_t n = 0;
    sim::ForEachDemoElector(district, [&](std::string_view epic, const Station& station) {
      const auto number = static_cast<std::uint32_t>(&station - district.stations.data());
      Require(r.index.Add(*ElectorIndex::Pack(epic), number), "an elector was not added");
      if (n++ % every == 0) {
        Epic e;
        std::copy(epic.begin(), epic.end(), e.begin());
        r.known.push_back(e);
        r.station_of.push_back(number);
      }
    });
    r.index.Finish();
    Require(r.index.size() == total, "the index lost electors");

    std::mt19937_64 rng(1);
    std::vector<std::size_t> order(r.known.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    Roll shuffled{std::move(r.index), {}, {}, {}};
    for (const std::size_t i : order) {
      shuffled.known.push_back(r.known[i]);
      shuffled.station_of.push_back(r.station_of[i]);
    }
    // Mistyped numbers: a real series' prefix with a random serial that is on no roll.
    std::uniform_int_distribution<int> digit(0, 9);
    while (shuffled.unknown.size() < kSample) {
      Epic e = shuffled.known[shuffled.unknown.size() % shuffled.known.size()];
      for (std::size_t d = 3; d < e.size(); ++d)
        e[d] = static_cast<char>('0' + digit(rng));
      if (!shuffled.index.Find(View(e))) shuffled.unknown.push_back(e);
    }
    return shuffled;
  }();
  return roll;
}

void BM_ElectorLookupKnown(benchmark::State& state) {
  const Roll& roll = DemoRoll();
  for (std::size_t i = 0; i < roll.known.size(); ++i) {
    Require(roll.index.Find(View(roll.known[i])) == roll.station_of[i],
            "an EPIC on the roll did not find its station");
  }
  std::size_t i = 0;
  for (auto _ : state) {
    auto station = roll.index.Find(View(roll.known[i]));
    benchmark::DoNotOptimize(station);
    if (++i == roll.known.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["electors"] = static_cast<double>(roll.index.size());
}
BENCHMARK(BM_ElectorLookupKnown);

void BM_ElectorLookupUnknown(benchmark::State& state) {
  const Roll& roll = DemoRoll();
  for (const Epic& e : roll.unknown)
    Require(!roll.index.Find(View(e)), "an unknown EPIC was found");
  std::size_t i = 0;
  for (auto _ : state) {
    auto station = roll.index.Find(View(roll.unknown[i]));
    benchmark::DoNotOptimize(station);
    if (++i == roll.unknown.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ElectorLookupUnknown);

}  // namespace
}  // namespace psm::microbench

BENCHMARK_MAIN();
