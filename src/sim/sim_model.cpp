// The station day model: seeded arrivals on a time-of-day curve, a noisy service rate, late
// openings and interruptions, a first-come-first-served line.
#include "sim/sim_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "sim/sim_rng.hpp"

namespace psm::sim {
namespace {

constexpr double kStaffingMargin = 1.05;

// Share of the day's voters arriving in each hour from 07:00 (sums to 1). Cumulative: 15 % by
// 09:00, 42 % by 11:00, 60 % by 13:00, 77 % by 15:00, 90 % by 17:00 — with a 60 % final
// turnout that is Jalandhar 2024's 9 %, 25 %, 36 %, 46 %, 54 % of the electors. Votes polled
// trail arrivals by the line: at 45–60 voters an hour the morning peak is capacity-bound and
// 11:00 comes out near 21 %.
constexpr std::array<double, 11> kHourShare = {0.06, 0.09, 0.13, 0.14, 0.10, 0.08,
                                               0.07, 0.10, 0.07, 0.06, 0.10};

// Inverse of ArrivalShareBy: the minute (fractional) by which a share u of arrivals has come.
double MinuteOfShare(double u) {
  double cum = 0;
  for (std::size_t h = 0; h < kHourShare.size(); ++h) {
    if (u < cum + kHourShare[h]) return 60.0 * (static_cast<double>(h) + (u - cum) / kHourShare[h]);
    cum += kHourShare[h];
  }
  return kPollMinutes - 1e-6;
}

GenderCounts VotersByGender(const GenderCounts& electors, std::int64_t voters) {
  const std::int64_t total = electors.Total();
  GenderCounts v;
  if (total <= 0 || voters <= 0) return v;
  const double share = static_cast<double>(voters) / static_cast<double>(total);
  v.men =
      std::min<std::int64_t>(electors.men, std::llround(share * static_cast<double>(electors.men)));
  v.others = std::min<std::int64_t>(electors.others,
                                    std::llround(share * static_cast<double>(electors.others)));
  v.women = std::clamp<std::int64_t>(voters - v.men - v.others, 0, electors.women);
  return v;
}

bool Interrupted(const StationDay& d, int m) {
  return d.interruption && m >= d.interruption->start &&
         m < d.interruption->start + d.interruption->duration;
}

}  // namespace

double ArrivalShareBy(double minute) {
  if (minute <= 0) return 0;
  double cum = 0;
  for (std::size_t h = 0; h < kHourShare.size(); ++h) {
    const double hour_end = 60.0 * static_cast<double>(h + 1);
    if (minute < hour_end) return cum + kHourShare[h] * (minute - (hour_end - 60)) / 60.0;
    cum += kHourShare[h];
  }
  return 1.0;
}

std::uint64_t StationSeed(std::uint64_t seed, std::uint64_t index) {
  Rng mix(seed ^ (index * 0xD1B54A32D192ED03ULL));
  mix.Next();
  return mix.Next();
}

StationDay SimulateStation(const StationSpec& spec, const DayModelOptions& opts) {
  Rng rng(spec.seed);
  StationDay d;
  if (rng.Chance(opts.late_open_share)) d.open_minute = rng.UniformInt(5, 40);
  if (rng.Chance(opts.interruption_share)) {
    d.interruption = Interruption{rng.UniformInt(60, 570), rng.UniformInt(10, 30)};
  }
  const double share = std::clamp(
      opts.turnout_mean + rng.Uniform(-opts.turnout_spread, opts.turnout_spread), 0.0, 0.95);
  const std::int64_t electors = std::max<std::int64_t>(0, spec.electors.Total());
  d.voters = VotersByGender(spec.electors, std::llround(share * static_cast<double>(electors)));
  // A large station is staffed for its size: at 45–60 an hour its voters could not all vote
  // before midnight, so it serves at least its day's average demand (plus 5 %).
  const double demand_per_hour =
      static_cast<double>(d.voters.Total()) / (kPollMinutes / 60.0) * kStaffingMargin;
  d.service_per_hour =
      std::max(rng.Uniform(opts.service_min_per_hour, opts.service_max_per_hour), demand_per_hour);
  const auto n = static_cast<std::size_t>(d.voters.Total());

  // Who comes in which order: the genders shuffled, the arrival minutes sorted.
  std::vector<int> gender;
  gender.reserve(n);
  gender.insert(gender.end(), static_cast<std::size_t>(d.voters.men), 0);
  gender.insert(gender.end(), static_cast<std::size_t>(d.voters.women), 1);
  gender.insert(gender.end(), static_cast<std::size_t>(d.voters.others), 2);
  for (std::size_t i = n; i > 1; --i) {
    std::swap(gender[i - 1], gender[static_cast<std::size_t>(rng.Next() % i)]);
  }
  d.arrived_prefix.resize(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    GenderCounts g = d.arrived_prefix[i];
    (gender[i] == 0 ? g.men : gender[i] == 1 ? g.women : g.others) += 1;
    d.arrived_prefix[i + 1] = g;
  }
  std::vector<int> arrivals_in(kPollMinutes, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const int m = std::clamp(static_cast<int>(MinuteOfShare(rng.Uniform())), 0, kPollMinutes - 1);
    ++arrivals_in[static_cast<std::size_t>(m)];
  }

  // Capacity is drawn for every minute up front, independent of the line, so that the wait of a
  // hypothetical joiner can be read off it (capacity nobody uses is lost).
  const int horizon = kPollMinutes + kMaxOvertimeMinutes;
  d.capacity.assign(static_cast<std::size_t>(horizon), 0);
  double credit = 0;
  for (int m = 0; m < horizon; ++m) {
    if (m < d.open_minute || Interrupted(d, m)) continue;
    credit += d.service_per_hour / 60.0 * rng.Uniform(0.7, 1.3);
    const double whole = std::floor(credit);
    d.capacity[static_cast<std::size_t>(m)] = static_cast<int>(whole);
    credit -= whole;
  }

  int arrived = 0, served = 0;
  d.end_minute = horizon - 1;
  for (int m = 0; m < horizon; ++m) {
    if (m < kPollMinutes) arrived += arrivals_in[static_cast<std::size_t>(m)];
    served += std::min(arrived - served, d.capacity[static_cast<std::size_t>(m)]);
    d.arrived.push_back(arrived);
    d.served.push_back(served);
    if (m >= kPollMinutes - 1 && served == arrived) {
      d.end_minute = m;
      break;
    }
  }
  return d;
}

int StationDay::QueueAt(int m) const {
  if (m < 0 || served.empty()) return 0;
  const auto i = static_cast<std::size_t>(std::min(m, end_minute));
  return arrived[i] - served[i];
}

GenderCounts StationDay::QueueByGenderAt(int m) const {
  if (m < 0 || served.empty()) return {};
  const auto i = static_cast<std::size_t>(std::min(m, end_minute));
  const GenderCounts& a = arrived_prefix[static_cast<std::size_t>(arrived[i])];
  const GenderCounts& s = arrived_prefix[static_cast<std::size_t>(served[i])];
  return GenderCounts{a.men - s.men, a.women - s.women, a.others - s.others};
}

GenderCounts StationDay::ServedByGenderAt(int m) const {
  if (m < 0 || served.empty()) return {};
  const auto i = static_cast<std::size_t>(std::min(m, end_minute));
  return arrived_prefix[static_cast<std::size_t>(served[i])];
}

std::optional<int> StationDay::TrueWaitAt(int m) const {
  if (m < 0 || m >= kPollMinutes) return std::nullopt;
  // The joiner is served once the capacity after minute m covers everyone ahead, plus them.
  const int needed = QueueAt(m) + 1;
  int covered = 0;
  for (std::size_t k = static_cast<std::size_t>(m) + 1; k < capacity.size(); ++k) {
    covered += capacity[k];
    if (covered >= needed) return static_cast<int>(k) - m - 1;
  }
  return static_cast<int>(capacity.size()) - m - 1;
}

}  // namespace psm::sim
