// Orders the stations' silent spells by their start and writes each once it has begun.
#include "sim/sim_silence_log.hpp"

#include <algorithm>
#include <ostream>

namespace psm::sim {

SilenceLog::SilenceLog(Instant opens, std::chrono::minutes utc_offset, Instant start,
                       Instant stop_at)
    : opens_(opens), utc_offset_(utc_offset), start_(start), stop_at_(stop_at) {}

void SilenceLog::Add(const std::string& station, const std::vector<SilentSpell>& spells) {
  for (const SilentSpell& s : spells) {
    const Instant from = opens_ + std::chrono::minutes(s.from);
    const Instant until = opens_ + std::chrono::minutes(s.until);
    if (from >= stop_at_ || until <= start_) continue;
    pending_.push_back({station, s});
  }
  sorted_ = false;
}

std::size_t SilenceLog::Announce(Instant now, std::ostream& out) {
  if (!sorted_) {
    std::stable_sort(
        pending_.begin() + static_cast<std::ptrdiff_t>(next_), pending_.end(),
        [](const StationSpell& a, const StationSpell& b) { return a.spell.from < b.spell.from; });
    sorted_ = true;
  }
  std::size_t written = 0;
  for (; next_ < pending_.size(); ++next_) {
    const StationSpell& s = pending_[next_];
    if (opens_ + std::chrono::minutes(s.spell.from) > now) break;
    out << SilenceLine(s.station, s.spell, opens_, utc_offset_) << "\n";
    announced_.push_back(s);
    ++written;
  }
  if (written > 0) out.flush();
  return written;
}

}  // namespace psm::sim
