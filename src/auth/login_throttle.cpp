// Per-key failure counting and lockout.
#include "auth/login_throttle.hpp"

#include <cassert>
#include <utility>

namespace psm::auth {
namespace {

// A full sweep of lapsed entries runs after this many recorded failures, so memory held by
// one-off typos is returned even when the map never fills.
constexpr std::uint64_t kPurgeEvery = 1024;

}  // namespace

LoginThrottle::LoginThrottle(const Clock& clock, int max_failures, Millis lock_for,
                             std::string credential, std::size_t max_keys)
    : clock_(clock),
      max_failures_(max_failures),
      lock_for_(lock_for),
      credential_(std::move(credential)),
      max_keys_(max_keys) {
  assert(max_failures_ >= 1);
  assert(lock_for_ > Millis::zero());
  assert(max_keys_ >= 1);
}

bool LoginThrottle::Expired(const Entry& e, Instant now) const {
  return now >= e.locked_until && now >= e.last_failure + lock_for_;
}

Millis LoginThrottle::Remaining(std::string_view key) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return Millis::zero();
  if (Expired(it->second, now)) {
    entries_.erase(it);
    return Millis::zero();
  }
  return it->second.locked_until > now ? it->second.locked_until - now : Millis::zero();
}

Status LoginThrottle::Check(std::string_view key) {
  const Millis left = Remaining(key);
  if (left <= Millis::zero()) return {};
  const long long seconds = (left.count() + 999) / 1000;
  return Error::Locked("login_locked", "too many wrong " + credential_ +
                                           "s in a row (limit: login); try again in " +
                                           std::to_string(seconds) + " s");
}

void LoginThrottle::RecordFailure(std::string_view key) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  if (++ops_since_purge_ >= kPurgeEvery) MakeRoomLocked(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) MakeRoomLocked(now);
    if (entries_.size() >= max_keys_) return;  // every slot holds a live lock; see constructor
    it = entries_.emplace(std::string(key), Entry{}).first;
  }
  Entry& e = it->second;
  if (now < e.locked_until) return;  // already locked: do not extend
  if (Expired(e, now)) e = Entry{};  // old failures have lapsed
  e.last_failure = now;
  if (++e.failures >= max_failures_) {
    e.locked_until = now + lock_for_;
    e.failures = 0;  // after the lock, the key starts afresh
  }
}

void LoginThrottle::Forget(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) entries_.erase(it);
}

std::size_t LoginThrottle::TrackedKeys() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void LoginThrottle::MakeRoomLocked(Instant now) {
  ops_since_purge_ = 0;
  std::erase_if(entries_, [&](const auto& kv) { return Expired(kv.second, now); });
  if (entries_.size() < max_keys_) return;
  std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.locked_until; });
}

}  // namespace psm::auth
