// A cap on what one client address holds open at once (connections, event streams), counted
// across every event loop. Abuse of cached reads is bounded by this, not by a request budget.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/string_map.hpp"

namespace psm::http {

class AddressSlots {
 public:
  // One held slot; releases it when destroyed. Move-only. A default-constructed Slot (and the
  // one an uncapped AddressSlots hands out) holds nothing.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class AddressSlots;
    Slot(AddressSlots* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    void Release();
    AddressSlots* owner_ = nullptr;
    std::string key_;
  };

  static constexpr std::size_t kShards = 64;

  // `cap` slots per key at most; 0 means no cap, and then nothing is counted.
  explicit AddressSlots(std::size_t cap) : cap_(cap) {}
  AddressSlots(const AddressSlots&) = delete;
  AddressSlots& operator=(const AddressSlots&) = delete;

  // A slot for `key` (see LimitKey in client_ip.hpp), or nullopt when `key` already holds `cap`.
  // Thread-safe; locks one of kShards mutexes for a hash lookup; never blocks on I/O. Every
  // Slot must be destroyed before this object.
  std::optional<Slot> TryAcquire(std::string_view key);

  // Slots `key` holds now. Thread-safe; for tests and diagnostics.
  std::size_t Held(std::string_view key) const;
  std::size_t cap() const { return cap_; }

 private:
  struct alignas(64) Shard {
    mutable std::mutex mu;
    StringMap<std::size_t> held;  // guarded by mu; keys holding at least one slot
  };
  Shard& ShardFor(std::string_view key);
  const Shard& ShardFor(std::string_view key) const;
  void Release(const std::string& key);

  const std::size_t cap_;
  std::array<Shard, kShards> shards_;
};

}  // namespace psm::http
