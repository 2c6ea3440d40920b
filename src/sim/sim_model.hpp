// The simulated polling day of one station, minute by minute: arrivals, service, queue and the
// true wait. Pure and seeded (no I/O, no clock), so the simulator's ground truth is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace psm::sim {

// Minute 0 is the scheduled opening (07:00); the scheduled close is kPollMinutes (18:00).
inline constexpr int kPollMinutes = 11 * 60;
// Voters still in line at the close are served after it, for at most this long (to 23:50: a
// report must be observed on the polling day).
inline constexpr int kMaxOvertimeMinutes = 5 * 60 + 50;

// People by gender, as the officer counts them.
struct GenderCounts {
  std::int64_t men = 0;
  std::int64_t women = 0;
  std::int64_t others = 0;
  std::int64_t Total() const { return men + women + others; }
};

struct DayModelOptions {
  // Each station's turnout is drawn around this mean (share of electors who vote), ± spread.
  double turnout_mean = 0.60;
  double turnout_spread = 0.06;
  // Voters served per hour while open, drawn per station (but never below the station's average
  // demand over the day, so big stations finish); each minute varies ±30 % around it.
  double service_min_per_hour = 45;
  double service_max_per_hour = 60;
  // Share of stations with one interruption (EVM fault) of 10–30 minutes, some time 08:00–16:30.
  double interruption_share = 0.04;
  // Share of stations opening 5–40 minutes late.
  double late_open_share = 0.05;
};

struct Interruption {
  int start = 0;     // minute service stops
  int duration = 0;  // minutes without service
};

// One station's day. Arrays indexed by minute m cover [0, end_minute]; values are "at the end of
// minute m" (after that minute's arrivals and service).
struct StationDay {
  int open_minute = 0;  // first minute with service (0 = on time)
  std::optional<Interruption> interruption;
  int end_minute = 0;           // the last voter was served in this minute (≥ kPollMinutes-1)
  double service_per_hour = 0;  // the station's mean rate
  GenderCounts voters;          // everyone who votes (arrives before the close)
  // Voters the station could serve in minute m; longer than the other arrays (to
  // kPollMinutes + kMaxOvertimeMinutes) so the wait of the day's last joiners is known.
  std::vector<int> capacity;
  std::vector<int> arrived;  // cumulative arrivals by the end of minute m
  std::vector<int> served;   // cumulative voters served by the end of minute m
  // Genders of the first i arrivals at [i]; the line is first come, first served, so the
  // first served[m] arrivals are the ones served by minute m.
  std::vector<GenderCounts> arrived_prefix;

  int QueueAt(int m) const;  // people in line at the end of minute m (0 outside the day)
  GenderCounts QueueByGenderAt(int m) const;
  GenderCounts ServedByGenderAt(int m) const;  // cumulative, clamped to [0, end_minute]
  int QueueAtClose() const { return QueueAt(kPollMinutes - 1); }

  // The true wait in minutes of a person joining the end of the line at the end of minute m
  // (m in [0, kPollMinutes)): minutes until the minute in which they are served, not counting
  // that minute. An empty line at an open station is 0. nullopt outside the poll.
  std::optional<int> TrueWaitAt(int m) const;
};

// The electors of a station and the seed of its day.
struct StationSpec {
  GenderCounts electors;
  std::uint64_t seed = 0;
};

// Simulates one station's day. Deterministic for equal inputs; never fails (a station without
// electors simply has no voters).
StationDay SimulateStation(const StationSpec& spec, const DayModelOptions& opts);

// The share of the day's arrivals that have come by the end of minute m (0 … 1): a morning peak,
// an early-afternoon lull and an evening rise, shaped after Jalandhar 2024 (≈ 9 % turnout at
// 09:00, 25 % at 11:00, 46 % at 15:00, 54 % at 17:00, 60 % at close).
double ArrivalShareBy(double minute);

// A 64-bit mix of a seed and a station index, so each station's day has its own stream.
std::uint64_t StationSeed(std::uint64_t seed, std::uint64_t index);

}  // namespace psm::sim
