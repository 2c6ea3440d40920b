// ElectorIndex: EPIC number → station, packed in memory (an EPIC and its station fit in 64 bits).
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

  // The largest station number an entry can hold (25 bits, far beyond any district).
  static constexpr std::uint32_t kMaxStation = (1u << 25) - 2;

  // Adds one elector; `station` is a dense station number assigned by the caller. Returns false
  // (and adds nothing) when `station` is above kMaxStation.
  [[nodiscard]] bool Add(std::uint64_t packed_epic, std::uint32_t station);
  // Sorts and de-duplicates (the last Add for an EPIC wins). Call once after all Adds.
  void Finish();

  // The station number of `epic`, or nullopt when unknown or malformed. Thread-safe after Finish.
  std::optional<std::uint32_t> Find(std::string_view epic) const;
  std::size_t size() const { return size_; }

 private:
  struct Entry {
    std::uint64_t epic;
    std::uint32_t station;
    std::uint32_t order;  // insertion order, so the last Add wins on duplicates
  };
  std::size_t SlotOf(std::uint64_t packed_epic) const;

  std::vector<Entry> entries_;  // between Add and Finish only
  // After Finish: open addressing, linear probing, at most 40 % full. A slot holds
  // (packed EPIC << 25) | (station + 1); 0 is empty. A look-up usually reads one cache line,
  // where a binary search over 1.65 million electors missed the cache a dozen times.
  std::vector<std::uint64_t> slots_;
  int shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace psm
