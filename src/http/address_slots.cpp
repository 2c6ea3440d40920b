// Sharded counts of open things per client address; an entry exists only while it holds a slot,
// so memory follows the open connections, not every address ever seen.
#include "http/address_slots.hpp"

#include <cassert>
#include <cstdint>
#include <utility>

namespace psm::http {

AddressSlots::Slot::Slot(Slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}

AddressSlots::Slot& AddressSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

AddressSlots::Slot::~Slot() {
  Release();
}

void AddressSlots::Slot::Release() {
  if (owner_ != nullptr) std::exchange(owner_, nullptr)->Release(key_);
}

AddressSlots::Shard& AddressSlots::ShardFor(std::string_view key) {
  // Mixed before taking the top bits, as the map derives its bucket from the same hash.
  const std::uint64_t h = StringHash{}(key)*0x9E3779B97F4A7C15ULL;
  return shards_[h >> 58];
}
static_assert(AddressSlots::kShards == 64, "ShardFor takes the top 6 bits");

const AddressSlots::Shard& AddressSlots::ShardFor(std::string_view key) const {
  return const_cast<AddressSlots*>(this)->ShardFor(key);
}

std::optional<AddressSlots::Slot> AddressSlots::TryAcquire(std::string_view key) {
  if (cap_ == 0) return Slot();
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.held.find(key);
  if (it == shard.held.end()) {
    shard.held.emplace(std::string(key), 1);
  } else if (it->second >= cap_) {
    return std::nullopt;
  } else {
    ++it->second;
  }
  return Slot(this, std::string(key));
}

void AddressSlots::Release(const std::string& key) {
  Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.held.find(key);
  assert(it != shard.held.end() && it->second > 0);
  if (it == shard.held.end()) return;
  if (--it->second == 0) shard.held.erase(it);
}

std::size_t AddressSlots::Held(std::string_view key) const {
  const Shard& shard = ShardFor(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.held.find(key);
  return it == shard.held.end() ? 0 : it->second;
}

}  // namespace psm::http
