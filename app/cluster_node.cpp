// Cluster wiring of `psm serve` (cluster_node.hpp).
#include "app/cluster_node.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include <charconv>
#include <string>

namespace psm::app {

void AddClusterMetrics(http::Metrics& metrics, const Writer& writer) {
  metrics.AddCallbackGauge("psm_node_writer",
                           "1 while this node holds the cluster's writer role (always on SQLite)",
                           [&writer] { return writer.IsWriter() ? 1.0 : 0.0; });
  metrics.AddCallbackGauge(
      "psm_feed_applied_seq",
      "the newest store sequence number of the writer's changes this node has applied (on the "
      "writer: of its newest committed report batch)",
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

Result<std::unique_ptr<ChangeAnnouncer>> ChangeAnnouncer::Start(const std::string& url,
                                                                Writer& writer,
                                                                const Clock& clock) {
  auto parsed = redis::RedisUrl::Parse(url);
  if (!parsed.ok()) return parsed.error();
  std::unique_ptr<ChangeAnnouncer> a(new ChangeAnnouncer(
      redis::Connection(*parsed, clock, redis::ConnectionOptions{.name = "change announcements"})));
  redis::SubscriberOptions options;
  options.channels = {std::string(kChangesChannel)};
  options.on_message = [&writer](std::string_view, std::string_view payload) {
    std::int64_t seq = 0;
    std::from_chars(payload.data(), payload.data() + payload.size(), seq);  // 0 if malformed
    writer.Poke(seq);
  };
  // What was announced while this node was away from Redis is read from the feed now.
  options.on_connected = [&writer] { writer.Poke(0); };
  a->subscriber_ = std::make_unique<redis::Subscriber>(*parsed, std::move(options));
  if (Status st = a->subscriber_->Start(); !st.ok()) return st.error();
  a->thread_ = std::thread([p = a.get()] { p->Run(); });
  return a;
}

ChangeAnnouncer::~ChangeAnnouncer() {
  Stop();
}

void ChangeAnnouncer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (subscriber_) subscriber_->Stop();
}

void ChangeAnnouncer::Announce(std::int64_t seq) {
  {
    std::lock_guard lock(mu_);
    newest_ = std::max(newest_, seq);
    pending_ = true;
  }
  cv_.notify_one();
}

void ChangeAnnouncer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || pending_; });
    if (stopping_) return;
    pending_ = false;
    const std::string payload = std::to_string(newest_);
    lock.unlock();
    // A failure is logged by the connection (once per outage); the nodes poll meanwhile.
    (void)publisher_.Publish(kChangesChannel, payload);
    lock.lock();
  }
}

}  // namespace psm::app
