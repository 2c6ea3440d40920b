// A sorted vector of packed EPICs: 16 bytes an elector, binary search, no pointers to chase.
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

void ElectorIndex::Add(std::uint64_t packed_epic, std::uint32_t station) {
  entries_.push_back(Entry{packed_epic, station, static_cast<std::uint32_t>(entries_.size())});
}

void ElectorIndex::Finish() {
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.epic != b.epic ? a.epic < b.epic : a.order > b.order;
  });
  entries_.erase(std::unique(entries_.begin(), entries_.end(),
                             [](const Entry& a, const Entry& b) { return a.epic == b.epic; }),
                 entries_.end());
  entries_.shrink_to_fit();
}

std::optional<std::uint32_t> ElectorIndex::Find(std::string_view epic) const {
  const auto packed = Pack(epic);
  if (!packed) return std::nullopt;
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), *packed,
                                   [](const Entry& e, std::uint64_t v) { return e.epic < v; });
  if (it == entries_.end() || it->epic != *packed) return std::nullopt;
  return it->station;
}

}  // namespace psm
