// ElectorIndex: EPIC number → station, packed in memory (an EPIC fits in 64 bits).
// Built once at start-up, then read-only and safe to share between threads without locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace psm {

class ElectorIndex {
 public:
  // Packs "ABC1234567" (case-insensitive) into 64 bits: 3 × 5 bits of letters, 7 digits as an
  // integer below 10^7. Returns nullopt when `epic` is not well formed.
  static std::optional<std::uint64_t> Pack(std::string_view epic);

  // Adds one elector; `station` is a dense station number assigned by the caller.
  void Add(std::uint64_t packed_epic, std::uint32_t station);
  // Sorts and de-duplicates (the last Add for an EPIC wins). Call once after all Adds.
  void Finish();

  // The station number of `epic`, or nullopt when unknown or malformed. Thread-safe after Finish.
  std::optional<std::uint32_t> Find(std::string_view epic) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::uint64_t epic;
    std::uint32_t station;
    std::uint32_t order;  // insertion order, so the last Add wins on duplicates
  };
  std::vector<Entry> entries_;
};

}  // namespace psm
