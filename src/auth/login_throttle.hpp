// Online lockout for PIN and password guessing: after N consecutive wrong attempts on one key
// (a station id, a user name, or a client address) that key is refused for a while.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/string_map.hpp"

namespace psm::auth {

// A 6-digit PIN has 10^6 values; five tries per five minutes gives an attacker about 1,440 tries
// a day against one station, so this lockout, not the hash, is what protects a PIN.
//
// Rules per key: each wrong attempt counts; `max_failures` counted failures lock the key for
// `lock_for`. A success clears the count. A count also lapses once `lock_for` has passed since
// the last failure, which never lets an attacker go faster than the lock allows (4 tries per
// `lock_for` instead of 5) and lets idle entries be dropped, keeping memory bounded.
//
// Thread-safe: one mutex, held for a hash-map lookup only. No call blocks on I/O.
class LoginThrottle {
 public:
  // `clock` must outlive the throttle. `credential` names what was wrong in the refusal
  // ("PIN" → "too many wrong PINs; ..."). At most `max_keys` keys are tracked: when full,
  // lapsed entries go first, then unlocked ones; a new key goes untracked only while every slot
  // holds a live lock, which takes max_keys * max_failures failures within `lock_for` (far more
  // than the per-client rate limits let through).
  explicit LoginThrottle(const Clock& clock, int max_failures = 5,
                         Millis lock_for = std::chrono::minutes(5), std::string credential = "PIN",
                         std::size_t max_keys = 100000);

  // Ok when `key` may try to log in now. While locked: kLocked, reason "login_locked", detail
  // "too many wrong PINs in a row (limit: login); try again in N s" (N rounded up, at least 1).
  // Call before verifying.
  Status Check(std::string_view key);

  // How long `key` stays locked from now; zero when it is not locked. For a Retry-After header.
  Millis Remaining(std::string_view key);

  // Counts a wrong attempt. Failures reported while the key is already locked are ignored: the
  // lock is not extended, so a locked-out officer is never kept out longer than `lock_for`.
  void RecordFailure(std::string_view key);

  // Clears `key`'s failure count (a correct PIN or password).
  void RecordSuccess(std::string_view key) { Forget(key); }

  // Forgets `key`'s failures and ends its lock at once: its secret was replaced (a PIN reset),
  // so what the guessers tried counts for nothing.
  void Forget(std::string_view key);

  // Number of keys currently tracked (locked or with recent failures). For tests and metrics.
  std::size_t TrackedKeys();

 private:
  struct Entry {
    int failures = 0;
    Instant last_failure{};
    Instant locked_until{};  // epoch when never locked
  };

  // True when `e` carries no information any more: not locked and its failures have lapsed.
  bool Expired(const Entry& e, Instant now) const;
  // Drops expired entries; when still full, drops unlocked ones (locks are what matter most).
  void MakeRoomLocked(Instant now);

  const Clock& clock_;
  const int max_failures_;
  const Millis lock_for_;
  const std::string credential_;
  const std::size_t max_keys_;

  std::mutex mu_;
  StringMap<Entry> entries_;           // guarded by mu_
  std::uint64_t ops_since_purge_ = 0;  // guarded by mu_
};

}  // namespace psm::auth
