// The silent spells of every simulated station, announced one line each as the server's clock
// reaches their start, so the log says which stations the simulator leaves silent and when.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "sim/sim_silence.hpp"

namespace psm::sim {

struct StationSpell {
  std::string station;
  SilentSpell spell;
};

// Not thread-safe: the simulator's main loop owns it.
class SilenceLog {
 public:
  // Minute 0 of the spells is `opens`. A spell is announced when it begins before `stop_at` and
  // still lasts at `start` (the server's time when the run began): the plan's earlier reports
  // all arrive at the start, so a spell that ended before it never happened on the server.
  SilenceLog(Instant opens, std::chrono::minutes utc_offset, Instant start, Instant stop_at);

  // Adds a station's spells (from SilentSpells); call before the first Announce.
  void Add(const std::string& station, const std::vector<SilentSpell>& spells);
  // Writes one line (SilenceLine) for each spell begun by `now` and not yet announced, in the
  // order they begin. Returns how many it wrote.
  std::size_t Announce(Instant now, std::ostream& out);
  // The spells announced so far, in order.
  const std::vector<StationSpell>& announced() const { return announced_; }

 private:
  Instant opens_;
  std::chrono::minutes utc_offset_;
  Instant start_;
  Instant stop_at_;
  std::vector<StationSpell> pending_;  // sorted by `from` at the first Announce
  std::size_t next_ = 0;
  bool sorted_ = false;
  std::vector<StationSpell> announced_;
};

}  // namespace psm::sim
