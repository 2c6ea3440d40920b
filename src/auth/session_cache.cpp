// Session lookups under a reader-writer lock.
#include "auth/session_cache.hpp"

#include <mutex>
#include <utility>

namespace psm::auth {

void SessionCache::Put(std::string token_hash, Principal principal) {
  std::unique_lock lock(mu_);
  sessions_.insert_or_assign(std::move(token_hash), std::move(principal));
}

std::optional<Principal> SessionCache::Find(std::string_view token_hash, Instant now) {
  {
    std::shared_lock lock(mu_);
    auto it = sessions_.find(token_hash);
    if (it == sessions_.end()) return std::nullopt;
    if (now < it->second.expires_at) return it->second;
  }
  // Expired: erase under the exclusive lock, re-checking because another thread may have
  // replaced the session (a fresh Put with the same hash) between the two locks.
  std::unique_lock lock(mu_);
  auto it = sessions_.find(token_hash);
  if (it != sessions_.end() && now >= it->second.expires_at) sessions_.erase(it);
  return std::nullopt;
}

bool SessionCache::Erase(std::string_view token_hash) {
  std::unique_lock lock(mu_);
  auto it = sessions_.find(token_hash);
  if (it == sessions_.end()) return false;
  sessions_.erase(it);
  return true;
}

std::size_t SessionCache::EraseIf(const std::function<bool(const Principal&)>& match) {
  std::unique_lock lock(mu_);
  return std::erase_if(sessions_, [&](const auto& kv) { return match(kv.second); });
}

std::size_t SessionCache::PurgeExpired(Instant now) {
  std::unique_lock lock(mu_);
  return std::erase_if(sessions_, [&](const auto& kv) { return now >= kv.second.expires_at; });
}

std::size_t SessionCache::Size() const {
  std::shared_lock lock(mu_);
  return sessions_.size();
}

}  // namespace psm::auth
