// Request budgets shared by the nodes of a cluster through Redis, without Redis in any request's
// path: each node decides at once on its own token buckets, and a background thread tells every
// node what the others allowed, so "5 look-ups a second per address" holds for the cluster.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/clock_condition.hpp"
#include "core/result.hpp"
#include "core/string_map.hpp"
#include "redis/connection.hpp"

namespace psm::redis {

// How it works (docs/security.md, "Limits across a cluster"):
// - A request is decided by the node's own limiter (auth::RateLimiter), at once, exactly as
//   without Redis. Each hit the node allowed is recorded here (Budget::Hit: a map increment).
// - Every `interval` a sync thread sends, in one pipelined round trip (a Lua script per 256
//   keys), each key's new hits to its Redis counter (`psm:limit:BUDGET:KEY`, expiring when no
//   node has hit it for a while) and reads back the cluster-wide total. The total less what the
//   node read last time and less its own increment is what the other nodes allowed since:
//   `charge(key, n)` takes those n tokens from the node's bucket (RateLimiter::Charge, which may
//   leave a debt). So every bucket pays for every hit in the cluster, about one interval late.
// - Keys are followed: a key's total is read even without local hits, until `follow` after this
//   node's last hit on it or the last sync that found other nodes' hits (give the bucket's time
//   to refill from empty), so a node keeps charging what a client does elsewhere. Once another node
//   has hit the key it is read every interval; before that, once a second (a node serving many
//   clients once each, as voters looking up their station, would otherwise read thousands of keys
//   ten times a second).
// - A key new to this node (first hit, or not followed any more) has no earlier total to
//   compare with. It is charged the other nodes' hits of the last 1-2 s (Redis counts them per
//   second of its own clock, one clock for every node), not the counter's whole life, which for
//   a busy carrier address may be hours of hits long since refilled.
//
// What that bounds, for one key under a budget of rate r and burst b on N nodes: each node can
// still spend what its bucket holds before it hears of the others (one interval, or up to a
// second for a key it thought only it served), so a burst may multiply by N once, about N*b +
// r*T in T seconds at worst, against N*b + N*r*T without sharing. The debt that burst leaves on
// every bucket is repaid before the nodes allow more, so over longer spans the cluster keeps to
// about b + r*T, the budget of one node. A client that returns to a node only after that node
// stopped following it finds the bucket that node last knew, refilled since: more slack, for a
// client that leaves each node alone for `follow` at a time.
//
// Redis down: syncs fail fast (Connection's backoff) and the hits of that time are not shared;
// each node enforces its budgets alone, so the cluster allows at most N times a budget. When
// Redis answers again, every key starts afresh as if new. Both changes are logged once.
// Memory: at most `max_keys` keys per budget; hits on more are counted locally only.
struct SharedCountsOptions {
  std::chrono::milliseconds interval{100};
  ConnectionOptions connection{.name = "shared limits"};
  std::string prefix = "psm:limit:";
  std::size_t max_keys = 65536;  // per budget
  // Whose Now() tells which second it is for "the last 1-2 s" of hits. nullptr, as in
  // production: Redis' own clock, the same for every node. A test that moves a FakeClock gives
  // it here, so recent hits are those of the time it moved.
  const Clock* recency_clock = nullptr;
};

class SharedCounts {
 public:
  // Takes `hits` tokens from `key`'s local bucket: what the other nodes allowed.
  using Charge = std::function<void(std::string_view key, long long hits)>;
  class Budget;

  // Parses `url` (kInvalid "redis_url" if bad); does not connect, so a node starts while Redis
  // is down. `clock`'s SteadyNow() paces the syncs and the follow spans; it must outlive this.
  static Result<std::unique_ptr<SharedCounts>> Create(std::string_view url, const Clock& clock,
                                                      SharedCountsOptions options = {});
  // Stops the sync thread. Every Budget must be gone first.
  ~SharedCounts();
  SharedCounts(const SharedCounts&) = delete;
  SharedCounts& operator=(const SharedCounts&) = delete;

  // Shares the budget `name` (its Redis keys' middle part, e.g. "lookup"); `charge` is called on
  // the sync thread, never after the returned Budget is destroyed. `follow` is raised to 2.5 s
  // at least (longer than the 1-2 s a new key is charged for). Thread-safe.
  std::unique_ptr<Budget> AddBudget(std::string name, std::chrono::milliseconds follow,
                                    Charge charge);

  // Starts the sync thread: one Sync() every `interval` of the clock. Call once.
  void Start();
  // Wakes and joins the sync thread; waits for a sync in progress (bounded by the connection's
  // timeouts). Idempotent.
  void Stop();

  // One sync on the caller's thread: sends the hits recorded since the last one, reads the
  // totals, charges the other nodes' hits. Blocks for a round trip (at most the connection's
  // timeouts). The sync thread calls it; tests call it to step by hand. Thread-safe (one sync
  // at a time).
  Status Sync();

  // Whether the last sync reached Redis. Any thread.
  bool connected() const { return connected_.load(std::memory_order_acquire); }

 private:
  struct Item;
  struct Call {  // one script call: items [first, end)
    std::size_t first;
    std::size_t end;
  };
  SharedCounts(RedisUrl url, const Clock& clock, SharedCountsOptions options);
  void Run();
  // Script calls for `items`, `second` being the recency clock's (-1: Redis' own).
  void BuildCalls(const std::vector<Item>& items, long long second, std::vector<Call>& calls,
                  std::vector<std::vector<std::string>>& commands);
  Status ApplyReply(const std::vector<Item>& items, const Call& call, const Reply& reply,
                    SteadyTime now);
  // Logs when syncing starts or stops working.
  void Report(const Status& status);

  const Clock& clock_;
  const SharedCountsOptions options_;
  mutable std::mutex
      sync_mu_;  // one sync at a time; guards conn_, budgets_ and each budget's sync state
  Connection conn_;
  std::vector<Budget*> budgets_;
  bool failing_ = false;  // guarded by sync_mu_: the last sync failed and that was logged
  std::atomic<bool> connected_{false};

  std::mutex wait_mu_;
  ClockCondition wake_{clock_, wait_mu_};
  bool stop_ = false;  // guarded by wait_mu_
  std::thread thread_;
};

// One shared budget. Hit() from any thread; destroyed before its SharedCounts.
class SharedCounts::Budget {
 public:
  ~Budget();
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  // Records one hit this node allowed under `key`. Thread-safe; locks one mutex for a map
  // increment, never blocks on I/O; allocates only for a key not yet recorded since the last
  // sync. Past max_keys keys in one interval, further keys are not shared.
  void Hit(std::string_view key);

  // Keys whose totals this node keeps (tests, metrics). Waits for a sync in progress.
  std::size_t TrackedKeys() const;

 private:
  friend class SharedCounts;
  struct Tracked {
    long long seen = -1;     // the cluster total read last; -1: none yet
    SteadyTime last_seen{};  // this node's last hit or the last sync finding others' hits
    SteadyTime next_read{};  // while not shared: when to read the total again
    bool shared = false;     // another node has hit the key too: read it every interval
  };

  Budget(SharedCounts& owner, std::string name, std::chrono::milliseconds follow, Charge charge);
  // Sync steps, under the owner's sync_mu_: take the hits recorded since the last sync and list
  // what to send; apply a reply; forget every total after a failed sync.
  void Collect(SteadyTime now, std::vector<Item>& items);
  void Apply(const std::string& key, long long delta, long long total, long long recent,
             SteadyTime now);
  void Forget();

  SharedCounts& owner_;
  const std::string name_;
  const std::string key_prefix_;  // prefix + name + ":"
  const std::chrono::milliseconds follow_;
  const Charge charge_;

  std::mutex mu_;
  StringMap<long long> pending_;  // guarded by mu_: hits since the last sync
  bool overflow_ = false;         // guarded by mu_: a key was not recorded for want of room

  StringMap<Tracked> tracked_;  // sync state, guarded by owner_.sync_mu_
  bool overflow_logged_ = false;
};

}  // namespace psm::redis
