// Cluster wiring of `psm serve` (cluster_node.hpp).
#include "app/cluster_node.hpp"

#include <spdlog/spdlog.h>

namespace psm::app {

void AddClusterMetrics(http::Metrics& metrics, const Writer& writer) {
  metrics.AddCallbackGauge("psm_node_writer",
                           "1 while this node holds the cluster's writer role (always on SQLite)",
                           [&writer] { return writer.IsWriter() ? 1.0 : 0.0; });
  metrics.AddCallbackGauge(
      "psm_feed_applied_seq",
      "the newest store sequence number of the writer's changes this node has applied",
      [&writer] { return static_cast<double>(writer.applied_seq()); });
  metrics.AddCallbackGauge(
      "psm_feed_lag_seq",
      "how far the newest sequence number heard of (Redis) is ahead of the one applied", [&writer] {
        return static_cast<double>(
            std::max<std::int64_t>(0, writer.heard_seq() - writer.applied_seq()));
      });
  metrics.AddCallbackGauge("psm_store_up", "1 while the last change-feed read reached the store",
                           [&writer] { return writer.store_reachable() ? 1.0 : 0.0; });
}

auth::Principal PrincipalOf(const SessionRecord& s) {
  auth::Principal p;
  p.role = s.role;
  p.station = s.station;
  p.user = s.user;
  p.expires_at = s.expires_at;
  return p;
}

void ApplySessionChanges(const ChangeBatch& changes, auth::SessionCache& cache,
                         api::BlockingPool& pool) {
  std::vector<SessionRecord> users;
  for (const auto& [seq, s] : changes.sessions) {
    if (s.role == Role::kOfficer) {
      cache.Put(s.token_hash, PrincipalOf(s));
    } else {
      users.push_back(s);
    }
  }
  for (const auto& [seq, hash] : changes.ended_sessions)
    cache.Erase(hash);
  if (users.empty()) return;
  const bool posted = pool.Post([&cache, users = std::move(users)](Store& store) {
    for (const SessionRecord& s : users) {
      auto user = store.FindUser(s.user);
      if (!user.ok()) {
        spdlog::warn("a session of {} from another node is not usable here yet: {}", s.user,
                     user.error().detail);
        continue;
      }
      if (!user.value() || user.value()->disabled) continue;
      auth::Principal p = PrincipalOf(s);
      p.stations = user.value()->stations;
      cache.Put(s.token_hash, std::move(p));
    }
  });
  if (!posted) spdlog::warn("control-room sessions from another node not applied: pool stopped");
}

}  // namespace psm::app
