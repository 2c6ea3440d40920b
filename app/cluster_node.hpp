// What `psm serve` adds on a cluster's store (PostgreSQL): the node's role and place in the
// change feed as metrics, the session changes of other nodes applied to this node's cache, and
// the announcements of commits through Redis.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "api/blocking_pool.hpp"
#include "auth/session_cache.hpp"
#include "http/metrics.hpp"
#include "redis/connection.hpp"
#include "redis/subscriber.hpp"
#include "store/changes.hpp"
#include "writer/writer.hpp"

namespace psm::app {

// psm_node_writer, psm_feed_applied_seq, psm_feed_lag_seq and psm_store_up, read from the
// writer at scrape time.
void AddClusterMetrics(http::Metrics& metrics, const Writer& writer);

// Applies the feed's session changes to `cache`: officers' sessions at once (on the calling
// writer thread), control-room users' on the pool, which looks up the user's stations and
// skips a disabled one.
void ApplySessionChanges(const ChangeBatch& changes, auth::SessionCache& cache,
                         api::BlockingPool& pool);

// The Principal a stored session stands for (without a control-room user's stations).
auth::Principal PrincipalOf(const SessionRecord& s);

// Redis between the nodes (docs/deployment.md): whatever a node commits — the writer's batches,
// any node's logins and logouts — is announced on the channel kChangesChannel with the newest
// writer-feed seq (0 when unknown), and every node that hears it reads the feed at once
// (Writer::Poke) instead of at its next 250 ms tick. The store stays the only source of the
// changes: a lost message only delays a node to its next tick, and a node that was away from
// Redis reads the feed when it is back. Announcing never blocks the caller: a thread of its own
// sends the newest news, coalescing what came meanwhile.
class ChangeAnnouncer {
 public:
  static constexpr std::string_view kChangesChannel = "psm:changes";

  // Parses `url` (kInvalid "redis_url") and starts the subscriber and the sending thread; a
  // Redis that is down is not an error (both keep trying). `writer` and `clock` must outlive it.
  static Result<std::unique_ptr<ChangeAnnouncer>> Start(const std::string& url, Writer& writer,
                                                        const Clock& clock);
  ~ChangeAnnouncer();
  ChangeAnnouncer(const ChangeAnnouncer&) = delete;
  ChangeAnnouncer& operator=(const ChangeAnnouncer&) = delete;

  // Tells the other nodes that changes up to `seq` are committed. Thread-safe, never blocks.
  void Announce(std::int64_t seq);
  // Whether this node is subscribed (hears the others). Thread-safe.
  bool connected() const { return subscriber_ && subscriber_->connected(); }
  // Stops both threads. Idempotent.
  void Stop();

 private:
  explicit ChangeAnnouncer(redis::Connection publisher) : publisher_(std::move(publisher)) {}
  void Run();

  redis::Connection publisher_;  // the sending thread's
  std::unique_ptr<redis::Subscriber> subscriber_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;     // guarded by mu_
  std::int64_t newest_ = 0;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::thread thread_;
};

}  // namespace psm::app
