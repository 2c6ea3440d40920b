// The ids of every stored report, kept by the writer as 64-bit fingerprints in one flat table:
// a membership test is one hash and usually one cache line, with no allocation per id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace psm {

class ReportIdSet {
 public:
  using FingerprintFn = std::uint64_t (*)(std::string_view id);

  // `fingerprint` hashes an id (0 is taken as 1); tests pass one that makes ids collide.
  explicit ReportIdSet(FingerprintFn fingerprint = &Fingerprint) : fingerprint_(fingerprint) {}

  // Remembers `id`. Adding an id twice keeps one entry.
  void Add(std::string_view id);
  // False: `id` was never added. True: it was, or (about once in 2^64 / size() tests) another id
  // with the same fingerprint was; callers that must be exact confirm a true with the store.
  bool MayContain(std::string_view id) const;
  std::size_t size() const { return size_; }

  static std::uint64_t Fingerprint(std::string_view id);

 private:
  std::uint64_t PrintOf(std::string_view id) const;
  std::size_t SlotOf(std::uint64_t fingerprint) const;
  void Grow();

  FingerprintFn fingerprint_;
  // Open addressing with linear probing; 0 marks an empty slot (no fingerprint is 0).
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

}  // namespace psm
