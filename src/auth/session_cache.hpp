// In-memory map from session-token hash to Principal: consulted on every authenticated request.
// The store is the system of record; the owner loads sessions into this cache at start and
// writes through on login and logout. The cache itself never touches I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "auth/access.hpp"
#include "core/string_map.hpp"
#include "core/time.hpp"

namespace psm::auth {

// Thread-safe. Find takes a shared lock, so concurrent readers never wait for each other; writers
// (login, logout, purge) take the lock exclusively for a map update or, in PurgeExpired and
// EraseIf, one pass over the map. Nothing blocks on I/O.
class SessionCache {
 public:
  // Adds or replaces the session for `token_hash` (TokenHash() of the bearer token).
  void Put(std::string token_hash, Principal principal);

  // The session's Principal (a copy) when `token_hash` is known and `now` < expires_at.
  // An expired session is erased on the way and reported as nullopt.
  std::optional<Principal> Find(std::string_view token_hash, Instant now);

  // Removes one session (logout). Returns true when it was present.
  bool Erase(std::string_view token_hash);

  // Removes every session for which `match` is true, e.g. all sessions of a station whose PIN
  // was reset or of a disabled user. Returns how many were removed.
  std::size_t EraseIf(const std::function<bool(const Principal&)>& match);

  // Removes every session with expires_at <= now. Returns how many were removed. Call it
  // periodically (e.g. once a minute) to return the memory of sessions nobody presents again.
  std::size_t PurgeExpired(Instant now);

  std::size_t Size() const;

 private:
  mutable std::shared_mutex mu_;
  StringMap<Principal> sessions_;  // guarded by mu_
};

}  // namespace psm::auth
