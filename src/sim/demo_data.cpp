// The demo district generator: totals per AC and gender, station counts and sizes, genders per
// station and EPIC series; the map layout is in demo_sites.cpp. See demo_data.hpp.
#include "sim/demo_data.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

#include "sim/demo_apportion.hpp"
#include "sim/demo_names.hpp"
#include "sim/demo_random.hpp"
#include "sim/demo_sites.hpp"

namespace psm::sim {
namespace {

// Stream tags for DemoRng::For: each purpose draws from its own stream.
enum Tag : std::uint64_t { kTagLayout = 1, kTagSizes, kTagGender, kTagEpic };

// EPIC serials after the first: 2 + P(k) for k in [0, kEpicRange), all within 7 digits.
constexpr std::uint64_t kEpicRange = 9'999'998;
constexpr int kFeistelHalfBits = 12;  // a 24-bit block: 2^24 > kEpicRange
constexpr std::uint64_t kFeistelHalfMask = (1u << kFeistelHalfBits) - 1;

// A permutation of [0, 2^24): four Feistel rounds keyed by `key`.
std::uint64_t Feistel24(std::uint64_t x, std::uint64_t key) {
  std::uint64_t left = x >> kFeistelHalfBits;
  std::uint64_t right = x & kFeistelHalfMask;
  for (std::uint64_t round = 0; round < 4; ++round) {
    DemoRng f(key ^ (round << 32) ^ right);
    const std::uint64_t next = left ^ (f.Next() & kFeistelHalfMask);
    left = right;
    right = next;
  }
  return (left << kFeistelHalfBits) | right;
}

// A permutation of [0, kEpicRange): apply Feistel24 until the value falls in range (cycle
// walking; it terminates because x lies on a cycle of the permutation that is in range).
std::uint64_t PermuteSerial(std::uint64_t x, std::uint64_t key) {
  do {
    x = Feistel24(x, key);
  } while (x >= kEpicRange);
  return x;
}

// Typical electors per station, used only as relative weights: city booths are fuller.
constexpr std::int64_t kUrbanTypical = 950;
constexpr std::int64_t kRuralTypical = 800;

std::int64_t CeilDiv(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Electors and stations of each AC at `scale`, in DemoAcs() order.
struct Plan {
  std::vector<std::int64_t> electors;
  std::vector<std::int64_t> stations;
  Counts genders;
};

Result<Plan> MakePlan(double scale) {
  if (!(scale > 0 && scale <= 1)) {
    char detail[96];
    std::snprintf(detail, sizeof detail, "--scale must be greater than 0 and at most 1, got %g",
                  scale);
    return Error::Invalid("bad_scale", detail);
  }
  const auto acs = DemoAcs();
  std::vector<std::int64_t> sizes;
  for (const auto& ac : acs)
    sizes.push_back(ac.electors);
  const auto total =
      static_cast<std::int64_t>(std::llround(static_cast<double>(kDemoElectors) * scale));
  Plan plan;
  plan.electors = Apportion(total, sizes);
  const auto smallest = std::min_element(plan.electors.begin(), plan.electors.end());
  if (*smallest < kMinStationElectors) {
    const auto& ac = acs[static_cast<std::size_t>(smallest - plan.electors.begin())];
    const double share = static_cast<double>(ac.electors) /
                         static_cast<double>(std::accumulate(sizes.begin(), sizes.end(), 0LL));
    const double minimum =
        std::ceil(kMinStationElectors / (share * static_cast<double>(kDemoElectors)) * 1e4) / 1e4;
    char detail[256];
    std::snprintf(detail, sizeof detail,
                  "--scale %g is too small: AC %d %s would have %lld electors, fewer than the %lld "
                  "a polling station holds at least; use --scale %.4f or more",
                  scale, ac.number, std::string(ac.name).c_str(), static_cast<long long>(*smallest),
                  static_cast<long long>(kMinStationElectors), minimum);
    return Error::Invalid("scale_too_small", detail);
  }
  const auto genders = Apportion(total, {kDemoMen, kDemoWomen, kDemoOthers});
  plan.genders = Counts{genders[0], genders[1], genders[2]};

  // Stations in proportion to electors over the typical station size of the AC's kind.
  std::vector<std::int64_t> weights;
  for (std::size_t i = 0; i < acs.size(); ++i)
    weights.push_back(plan.electors[i] * 1'000'000 /
                      (acs[i].urban ? kUrbanTypical : kRuralTypical));
  const std::int64_t stations = std::max<std::int64_t>(
      static_cast<std::int64_t>(acs.size()),
      static_cast<std::int64_t>(std::llround(static_cast<double>(kDemoStations) * scale)));
  plan.stations = Apportion(stations, weights);
  // Small scales can round an AC to station sizes outside the bounds; move its count inside.
  for (std::size_t i = 0; i < acs.size(); ++i) {
    plan.stations[i] = std::clamp(
        plan.stations[i], std::max<std::int64_t>(1, CeilDiv(plan.electors[i], kMaxStationElectors)),
        plan.electors[i] / kMinStationElectors);
  }
  return plan;
}

// Sizes for the stations of one AC: random targets (city booths fuller), scaled to the AC's
// electors exactly, then moved within the bounds.
void SizeStations(const DemoAcFacts& ac, std::int64_t electors, std::uint64_t seed,
                  std::vector<Station>& stations) {
  DemoRng rng = DemoRng::For(seed, kTagSizes, static_cast<std::uint64_t>(ac.number));
  std::vector<std::int64_t> targets;
  for (std::size_t i = 0; i < stations.size(); ++i)
    targets.push_back(ac.urban ? rng.Between(700, 1400) : rng.Between(450, 1250));
  auto sizes = Apportion(electors, targets);
  const bool fits = FitWithinBounds(sizes, kMinStationElectors, kMaxStationElectors);
  assert(fits);  // MakePlan chose the station count so that it does
  (void)fits;
  for (std::size_t i = 0; i < stations.size(); ++i)
    stations[i].electors.men = sizes[i];
}

// Splits every station's size (held in electors.men) into men, women and others so that the
// district totals come out exactly: each station takes the still-unassigned shares of the
// district with a few percent of noise, clamped to what is left, so the last station closes
// the books. Integer arithmetic only.
void SplitGenders(Counts district, std::uint64_t seed, std::vector<Station>& stations) {
  DemoRng rng = DemoRng::For(seed, kTagGender, 0);
  Counts left = district;
  for (Station& s : stations) {
    const std::int64_t n = s.electors.men;
    const std::int64_t left_total = left.Total();
    // Others (third gender): a whole number with the right expectation, then clamped.
    const std::int64_t expected_scaled = left.others * n;  // / left_total
    std::int64_t others = expected_scaled / left_total;
    if (static_cast<std::int64_t>(rng.Below(static_cast<std::uint64_t>(left_total))) <
        expected_scaled % left_total)
      ++others;
    others = std::clamp(others, std::max<std::int64_t>(0, n - left.men - left.women),
                        std::min(n, left.others));
    // Men: the remaining men's share of the station, ±4 %.
    const std::int64_t noise = rng.Between(960, 1040);
    std::int64_t men =
        (n - others) * left.men * noise / (std::max<std::int64_t>(1, left.men + left.women) * 1000);
    men = std::clamp(men, std::max<std::int64_t>(0, n - others - left.women),
                     std::min(n - others, left.men));
    const std::int64_t women = n - others - men;
    s.electors = Counts{men, women, others};
    left.men -= men;
    left.women -= women;
    left.others -= others;
  }
  assert(left == Counts{});
}

DemoEpicSeries MakeSeries(const DemoAcFacts& ac, std::uint64_t seed) {
  DemoRng rng = DemoRng::For(seed, kTagEpic, static_cast<std::uint64_t>(ac.number));
  return DemoEpicSeries{ac.number, std::string(ac.epic_prefix), rng.Next()};
}

}  // namespace

Counts DemoDistrict::Totals() const {
  Counts sum;
  for (const auto& s : stations) {
    sum.men += s.electors.men;
    sum.women += s.electors.women;
    sum.others += s.electors.others;
  }
  return sum;
}

Result<DemoDistrict> GenerateDemoDistrict(const DemoOptions& options) {
  auto plan = MakePlan(options.scale);
  if (!plan.ok()) return plan.error();
  DemoDistrict district;
  std::set<std::string> used_villages;
  const auto acs = DemoAcs();
  for (std::size_t i = 0; i < acs.size(); ++i) {
    const DemoAcFacts& ac = acs[i];
    district.constituencies.push_back(Constituency{
        ac.number, std::string(ac.name), std::string(ac.reserved), std::string(kDemoDistrict)});
    DemoRng layout = DemoRng::For(options.seed, kTagLayout, static_cast<std::uint64_t>(ac.number));
    auto stations = LayOutStations(ac, plan->stations[i], layout, used_villages);
    SizeStations(ac, plan->electors[i], options.seed, stations);
    district.stations.insert(district.stations.end(), std::make_move_iterator(stations.begin()),
                             std::make_move_iterator(stations.end()));
    district.epic_series.push_back(MakeSeries(ac, options.seed));
  }
  SplitGenders(plan->genders, options.seed, district.stations);
  return district;
}

void FormatDemoEpic(const DemoEpicSeries& series, std::int64_t serial, char* out) {
  out[0] = series.prefix[0];
  out[1] = series.prefix[1];
  out[2] = series.prefix[2];
  assert(serial >= 0 && static_cast<std::uint64_t>(serial) <= kEpicRange);
  std::uint64_t number =
      serial == 0 ? 1 : 2 + PermuteSerial(static_cast<std::uint64_t>(serial) - 1, series.key);
  for (int i = 9; i >= 3; --i) {
    out[i] = static_cast<char>('0' + number % 10);
    number /= 10;
  }
}

}  // namespace psm::sim
