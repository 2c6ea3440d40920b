// Per-pair back-off and per-key budgets for login guesses (docs/security.md, "Guessing").
#include "auth/guess_throttle.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace psm::auth {
namespace {

// A full sweep of lapsed entries runs after this many recorded failures.
constexpr std::uint64_t kPurgeEvery = 1024;

using Hours = std::chrono::duration<double, std::ratio<3600>>;

}  // namespace

GuessThrottle::GuessThrottle(const Clock& clock, GuessThrottleOptions options)
    : clock_(clock), o_(std::move(options)) {
  assert(o_.free_failures >= 0);
  assert(o_.first_backoff > Millis::zero() && o_.max_backoff >= o_.first_backoff);
  assert(o_.key_budget >= 1 && o_.key_refill_per_hour > 0);
  assert(o_.max_entries >= 1);
}

std::string GuessThrottle::PairKey(std::string_view key, std::string_view address) {
  std::string out;
  out.reserve(key.size() + 1 + address.size());
  out.append(key).push_back('\n');
  out.append(address);
  return out;
}

Millis GuessThrottle::BackoffAfter(int failures) const {
  const int over = failures - o_.free_failures;
  if (over <= 0) return Millis::zero();
  Millis wait = o_.first_backoff;
  for (int i = 1; i < over && wait < o_.max_backoff; ++i)
    wait *= 2;
  return std::min(wait, o_.max_backoff);
}

void GuessThrottle::RefillLocked(KeyEntry& k, Instant now) const {
  if (now > k.refilled) {
    k.tokens = std::min(o_.key_budget,
                        k.tokens + o_.key_refill_per_hour * Hours(now - k.refilled).count());
    k.refilled = now;
  }
}

Millis GuessThrottle::KeyWaitLocked(std::string_view key, Instant now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return Millis::zero();
  RefillLocked(it->second, now);
  if (it->second.tokens >= 1) return Millis::zero();
  const Hours wait((1 - it->second.tokens) / o_.key_refill_per_hour);
  return std::chrono::ceil<Millis>(wait);
}

Millis GuessThrottle::Remaining(std::string_view key, std::string_view address) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  Millis wait = KeyWaitLocked(key, now);
  auto it = pairs_.find(PairKey(key, address));
  if (it != pairs_.end() && it->second.wait_until > now)
    wait = std::max(wait, std::chrono::duration_cast<Millis>(it->second.wait_until - now));
  return wait;
}

Status GuessThrottle::Check(std::string_view key, std::string_view address) {
  const Millis left = Remaining(key, address);
  if (left <= Millis::zero()) return {};
  const long long seconds = (left.count() + 999) / 1000;
  return Error::Locked("login_locked", "too many wrong " + o_.credential +
                                           "s (limit: login); try again in " +
                                           std::to_string(seconds) + " s");
}

void GuessThrottle::RecordFailure(std::string_view key, std::string_view address) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  if (++ops_since_purge_ >= kPurgeEvery) PurgeLocked(now);
  if (keys_.size() + pairs_.size() >= o_.max_entries) PurgeLocked(now);
  const bool room = keys_.size() + pairs_.size() + 2 <= o_.max_entries;

  auto k = keys_.find(key);
  if (k == keys_.end()) {
    if (!room) return;  // full of live entries: far beyond what the per-address limits allow
    k = keys_.emplace(std::string(key), KeyEntry{o_.key_budget, now, now, 0}).first;
  }
  RefillLocked(k->second, now);
  const std::string pair_key = PairKey(key, address);
  auto p = pairs_.find(pair_key);
  if (p != pairs_.end() && p->second.wait_until > now) return;  // refused: not a try
  if (k->second.tokens < 1) return;                             // the key's budget is spent
  if (p == pairs_.end()) {
    if (!room) return;
    p = pairs_.emplace(pair_key, PairEntry{}).first;
    ++k->second.addresses;
  }
  k->second.tokens -= 1;
  k->second.last_failure = now;
  PairEntry& e = p->second;
  ++e.failures;
  e.last_failure = now;
  e.wait_until = now + BackoffAfter(e.failures);
}

void GuessThrottle::RecordSuccess(std::string_view key, std::string_view address) {
  std::lock_guard lock(mu_);
  auto p = pairs_.find(PairKey(key, address));
  if (p == pairs_.end()) return;
  pairs_.erase(p);
  if (auto k = keys_.find(key); k != keys_.end() && k->second.addresses > 0) --k->second.addresses;
}

void GuessThrottle::Forget(std::string_view key) {
  std::lock_guard lock(mu_);
  if (auto k = keys_.find(key); k != keys_.end()) keys_.erase(k);
  const std::string prefix = PairKey(key, "");
  for (auto it = pairs_.begin(); it != pairs_.end();) {
    if (std::string_view(it->first).starts_with(prefix)) {
      it = pairs_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t GuessThrottle::FailingAddresses(std::string_view key) {
  const Instant now = clock_.Now();
  std::lock_guard lock(mu_);
  // Called on every wrong PIN: a sweep of every entry at most once a minute keeps that cheap
  // under a flood, and a pair lapses at most a minute late.
  if (now - last_purge_ >= std::chrono::minutes(1)) PurgeLocked(now);
  auto k = keys_.find(key);
  return k == keys_.end() ? 0 : k->second.addresses;
}

std::size_t GuessThrottle::Entries() {
  std::lock_guard lock(mu_);
  return keys_.size() + pairs_.size();
}

void GuessThrottle::PurgeLocked(Instant now) {
  ops_since_purge_ = 0;
  last_purge_ = now;
  for (auto it = pairs_.begin(); it != pairs_.end();) {
    const PairEntry& e = it->second;
    if (now >= e.wait_until && now >= e.last_failure + o_.forget_after) {
      const std::string_view pair(it->first);
      // The address (last) holds no newline; a user name might.
      if (auto k = keys_.find(pair.substr(0, pair.rfind('\n')));
          k != keys_.end() && k->second.addresses > 0) {
        --k->second.addresses;
      }
      it = pairs_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = keys_.begin(); it != keys_.end();) {
    RefillLocked(it->second, now);
    if (it->second.addresses == 0 && it->second.tokens >= o_.key_budget) {
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace psm::auth
