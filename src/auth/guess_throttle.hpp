// Online guessing of PINs and passwords, counted where it comes from: per (key, address) with a
// growing back-off, and per key across addresses with a budget no single address can spend.
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

struct GuessThrottleOptions {
  // Per (key, address): this many wrong tries in a row are free; each one after waits twice as
  // long as the last before the address may try that key again, from `first_backoff` up to
  // `max_backoff`. One address thus makes 8 tries at a key in its first hour and 1 an hour
  // after that, and a typo costs an officer nothing.
  int free_failures = 3;
  Millis first_backoff = std::chrono::minutes(1);
  Millis max_backoff = std::chrono::hours(1);
  // Per key, from every address together: a bucket of `key_budget` failures that refills at
  // `key_refill_per_hour`. Above one address's pace, so it empties only when several addresses
  // guess at one key; then every address waits for the next failure it allows.
  double key_budget = 10;
  double key_refill_per_hour = 20;
  // Entries are forgotten this long after their last failure (and the maps stay bounded).
  Millis forget_after = std::chrono::hours(3);
  std::size_t max_entries = 200000;
  std::string credential = "PIN";  // named in the refusal: "too many wrong PINs …"
};

// Control-room passwords: the same rules, named "password" in the refusal.
inline GuessThrottleOptions PasswordGuesses() {
  GuessThrottleOptions o;
  o.credential = "password";
  return o;
}

// Thread-safe: one mutex, held for hash-map work only. No call blocks on I/O.
class GuessThrottle {
 public:
  // `clock` must outlive the throttle.
  explicit GuessThrottle(const Clock& clock, GuessThrottleOptions options = {});

  // Ok when `address` may try `key` now. Else kLocked, reason "login_locked", detail saying why
  // and "try again in N s"; Remaining() gives the wait for Retry-After. Call before verifying.
  Status Check(std::string_view key, std::string_view address);
  Millis Remaining(std::string_view key, std::string_view address);

  // A wrong try by `address` at `key`: it spends one of the key's budget and moves the pair's
  // back-off on. Ignored while the pair must wait (Check refused it).
  void RecordFailure(std::string_view key, std::string_view address);
  // A right one: the pair starts afresh. The key's budget is not given back.
  void RecordSuccess(std::string_view key, std::string_view address);
  // The key's secret was replaced (a PIN reset): its budget and every address's back-off at it
  // are forgotten at once.
  void Forget(std::string_view key);

  // How many distinct addresses failed at `key` within `forget_after` (up to a minute more). For
  // the pin_guessing alert.
  std::size_t FailingAddresses(std::string_view key);
  // Entries held (keys and pairs). For tests and memory bounds.
  std::size_t Entries();

 private:
  struct PairEntry {
    int failures = 0;
    Instant last_failure{};
    Instant wait_until{};
  };
  struct KeyEntry {
    double tokens = 0;
    Instant refilled{};
    Instant last_failure{};
    std::size_t addresses = 0;  // pairs of this key held in pairs_
  };

  static std::string PairKey(std::string_view key, std::string_view address);
  Millis BackoffAfter(int failures) const;
  void RefillLocked(KeyEntry& k, Instant now) const;
  Millis KeyWaitLocked(std::string_view key, Instant now);
  void PurgeLocked(Instant now);

  const Clock& clock_;
  const GuessThrottleOptions o_;
  std::mutex mu_;
  StringMap<KeyEntry> keys_;           // guarded by mu_
  StringMap<PairEntry> pairs_;         // guarded by mu_; "key\naddress"
  std::uint64_t ops_since_purge_ = 0;  // guarded by mu_
  Instant last_purge_{};               // guarded by mu_
};

}  // namespace psm::auth
