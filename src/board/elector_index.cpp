// A flat hash table of packed EPICs: 8 bytes a slot, no pointers to chase.
#include "board/elector_index.hpp"

#include <algorithm>

namespace psm {

std::optional<std::uint64_t> ElectorIndex::Pack(std::string_view epic) {
  if (epic.size() != 10) return std::nullopt;
  std::uint64_t packed = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    char c = epic[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') return std::nullopt;
    packed = packed * 32 + static_cast<std::uint64_t>(c - 'A');
  }
  std::uint64_t digits = 0;
  for (std::size_t i = 3; i < 10; ++i) {
    const char c = epic[i];
    if (c < '0' || c > '9') return std::nullopt;
    digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return (packed << 24) | digits;  // 10^7 < 2^24
}

namespace {
constexpr int kStationBits = 25;
constexpr std::uint64_t kStationMask = (std::uint64_t{1} << kStationBits) - 1;
}  // namespace

bool ElectorIndex::Add(std::uint64_t packed_epic, std::uint32_t station) {
  if (station > kMaxStation) return false;
  entries_.push_back(Entry{packed_epic, station, static_cast<std::uint32_t>(entries_.size())});
  return true;
}

std::size_t ElectorIndex::SlotOf(std::uint64_t packed_epic) const {
  // Fibonacci hashing: EPICs of one series differ only in their last digits.
  return static_cast<std::size_t>((packed_epic * 0x9E3779B97F4A7C15ull) >> shift_);
}

void ElectorIndex::Finish() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.epic != b.epic ? a.epic < b.epic : a.order > b.order;
  });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& a, const Entry& b) { return a.epic == b.epic; }),
                 entries_.end());
  size_ = entries_.size();
  int bits = 4;
  while ((std::size_t{1} << bits) * 2 < size_ * 5)  // at most 40 % full
    ++bits;
  shift_ = 64 - bits;
  slots_.assign(std::size_t{1} << bits, 0);
  const std::size_t mask = slots_.size() - 1;
  for (const Entry& e : entries_) {
    std::size_t i = SlotOf(e.epic);
    while (slots_[i] != 0)
      i = (i + 1) & mask;
    slots_[i] = (e.epic << kStationBits) | (std::uint64_t{e.station} + 1);
  }
  std::vector<Entry>().swap(entries_);
}

std::optional<std::uint32_t> ElectorIndex::Find(std::string_view epic) const {
  const auto packed = Pack(epic);
  if (!packed || slots_.empty()) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = SlotOf(*packed);; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return std::nullopt;
    if ((slot >> kStationBits) == *packed)
      return static_cast<std::uint32_t>((slot & kStationMask) - 1);
  }
}

}  // namespace psm
