// The sync of shared budgets: one pipelined round trip of Lua scripts per interval.
#include "redis/shared_counts.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "core/thread_name.hpp"

namespace psm::redis {
namespace {

using std::chrono::milliseconds;

// Keys per script call: a few kilobytes of command, a reply Redis builds in microseconds.
constexpr std::size_t kKeysPerCall = 256;

// Each key is a hash: n = hits ever (while the key lives), s = the second of c = hits in that
// second, p = hits in the second before. ARGV[1] is the expiry in ms, ARGV[2] the current second
// (-1: Redis' own clock), then one increment per key (0 only reads). Returns, per key, the total
// and the hits of the last 1-2 s.
constexpr const char* kScript = R"lua(
local sec = tonumber(ARGV[2])
if sec < 0 then sec = tonumber(redis.call('TIME')[1]) end
local out = {}
for i, key in ipairs(KEYS) do
  local d = tonumber(ARGV[i + 2])
  local v = redis.call('HMGET', key, 'n', 's', 'c', 'p')
  local n = tonumber(v[1]) or 0
  local s = tonumber(v[2]) or sec
  local c = tonumber(v[3]) or 0
  local p = tonumber(v[4]) or 0
  if s ~= sec then
    if s == sec - 1 then p = c else p = 0 end
    c = 0
  end
  if d > 0 then
    n = n + d
    c = c + d
    redis.call('HSET', key, 'n', n, 's', sec, 'c', c, 'p', p)
    redis.call('PEXPIRE', key, ARGV[1])
  end
  out[#out + 1] = n
  out[#out + 1] = c + p
end
return out
)lua";

// A new key is charged the other nodes' hits of the last 1-2 s; a node's own hits must have
// left that span before it forgets a key, or it would charge itself on seeing the key again.
constexpr milliseconds kMinFollow{2500};

// How often a followed key only this node has hit is read.
constexpr milliseconds kUnsharedRead{1000};

}  // namespace

// One key of one budget in a sync: what is sent, and where the answer goes.
struct SharedCounts::Item {
  Budget* budget;
  std::string key;  // the client key, without the Redis prefix
  long long delta;  // this node's hits since the last sync; 0 when only following
};

Result<std::unique_ptr<SharedCounts>> SharedCounts::Create(std::string_view url, const Clock& clock,
                                                           SharedCountsOptions options) {
  auto parsed = RedisUrl::Parse(url);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<SharedCounts>(
      new SharedCounts(std::move(*parsed), clock, std::move(options)));
}

SharedCounts::SharedCounts(RedisUrl url, const Clock& clock, SharedCountsOptions options)
    : clock_(clock),
      options_(std::move(options)),
      conn_(std::move(url), clock, options_.connection) {}

SharedCounts::~SharedCounts() {
  Stop();
  assert(budgets_.empty() && "every Budget must be destroyed before its SharedCounts");
}

std::unique_ptr<SharedCounts::Budget> SharedCounts::AddBudget(std::string name, milliseconds follow,
                                                              Charge charge) {
  std::unique_ptr<Budget> budget(
      new Budget(*this, std::move(name), std::max(follow, kMinFollow), std::move(charge)));
  std::lock_guard lock(sync_mu_);
  budgets_.push_back(budget.get());
  return budget;
}

void SharedCounts::Start() {
  assert(!thread_.joinable());
  thread_ = std::thread([this] { Run(); });
}

void SharedCounts::Stop() {
  {
    std::lock_guard lock(wait_mu_);
    stop_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void SharedCounts::Run() {
  NameThisThread("shared-limits");
  std::unique_lock lock(wait_mu_);
  while (!stop_) {
    lock.unlock();
    (void)Sync();  // a failure is logged once, by Report()
    lock.lock();
    const SteadyTime next = clock_.SteadyNow() + options_.interval;
    wake_.WaitUntil(lock, next, [this] { return stop_; });
  }
}

Status SharedCounts::Sync() {
  std::lock_guard lock(sync_mu_);
  const SteadyTime now = clock_.SteadyNow();
  std::vector<Item> items;
  for (Budget* b : budgets_)
    b->Collect(now, items);
  if (items.empty()) return {};
  if (conn_.backing_off()) {  // the hits are not shared; no work for a call that cannot go
    Status waiting = Error::Unavailable("redis_unavailable", "waiting to reconnect to Redis");
    for (Budget* b : budgets_)
      b->Forget();
    Report(waiting);
    return waiting;
  }
  std::vector<Call> calls;
  std::vector<std::vector<std::string>> commands;
  const long long second = options_.recency_clock == nullptr
                               ? -1
                               : std::chrono::duration_cast<std::chrono::seconds>(
                                     options_.recency_clock->Now().time_since_epoch())
                                     .count();
  BuildCalls(items, second, calls, commands);
  Status result = [&]() -> Status {
    auto replies = conn_.Pipeline(commands);
    if (!replies.ok()) return replies.error();
    for (std::size_t c = 0; c < calls.size(); ++c) {
      if (auto s = ApplyReply(items, calls[c], (*replies)[c], now); !s.ok()) return s;
    }
    return {};
  }();
  if (!result.ok()) {
    for (Budget* b : budgets_)
      b->Forget();
  }
  Report(result);
  return result;
}

void SharedCounts::BuildCalls(const std::vector<Item>& items, long long second,
                              std::vector<Call>& calls,
                              std::vector<std::vector<std::string>>& commands) {
  // Items come budget by budget; a call holds keys of one budget (one expiry) only.
  std::size_t first = 0;
  while (first < items.size()) {
    const Budget* budget = items[first].budget;
    std::size_t end = first;
    while (end < items.size() && end - first < kKeysPerCall && items[end].budget == budget)
      ++end;
    std::vector<std::string> command{"EVAL", kScript, std::to_string(end - first)};
    for (std::size_t i = first; i < end; ++i)
      command.push_back(budget->key_prefix_ + items[i].key);
    command.push_back(std::to_string(2 * budget->follow_.count()));
    command.push_back(std::to_string(second));
    for (std::size_t i = first; i < end; ++i)
      command.push_back(std::to_string(items[i].delta));
    calls.push_back(Call{first, end});
    commands.push_back(std::move(command));
    first = end;
  }
}

Status SharedCounts::ApplyReply(const std::vector<Item>& items, const Call& call,
                                const Reply& reply, SteadyTime now) {
  if (reply.is_error()) return Error::Internal("redis_error", "shared counts: " + reply.text);
  const std::size_t n = call.end - call.first;
  if (reply.type != Reply::Type::kArray || reply.elements.size() != 2 * n) {
    return Error::Internal("redis_error", "shared counts: an unexpected reply to the script");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Item& item = items[call.first + i];
    item.budget->Apply(item.key, item.delta, reply.elements[2 * i].integer,
                       reply.elements[2 * i + 1].integer, now);
  }
  return {};
}

void SharedCounts::Report(const Status& status) {
  connected_.store(status.ok(), std::memory_order_release);
  if (status.ok() && failing_) {
    spdlog::info("shared limits: syncing through Redis again; budgets hold for the cluster");
  } else if (!status.ok() && !failing_) {
    spdlog::warn(
        "shared limits: cannot sync ({}); each node enforces its own budgets until it "
        "can",
        status.error().detail);
  }
  failing_ = !status.ok();
}

}  // namespace psm::redis

namespace psm::redis {

SharedCounts::Budget::Budget(SharedCounts& owner, std::string name, milliseconds follow,
                             Charge charge)
    : owner_(owner),
      name_(std::move(name)),
      key_prefix_(owner.options_.prefix + name_ + ":"),
      follow_(follow),
      charge_(std::move(charge)) {}

SharedCounts::Budget::~Budget() {
  std::lock_guard lock(owner_.sync_mu_);
  std::erase(owner_.budgets_, this);
}

void SharedCounts::Budget::Hit(std::string_view key) {
  std::lock_guard lock(mu_);
  const auto it = pending_.find(key);
  if (it != pending_.end()) {
    ++it->second;
  } else if (pending_.size() < owner_.options_.max_keys) {
    pending_.emplace(std::string(key), 1);
  } else {
    overflow_ = true;
  }
}

void SharedCounts::Budget::Collect(SteadyTime now, std::vector<Item>& items) {
  StringMap<long long> hits;
  bool overflow = false;
  {
    std::lock_guard lock(mu_);
    hits.swap(pending_);
    overflow = std::exchange(overflow_, false);
  }
  std::erase_if(tracked_, [&](const auto& kv) {
    return now - kv.second.last_seen > follow_ && !hits.contains(kv.first);
  });
  for (auto& [key, n] : hits) {
    auto it = tracked_.find(key);
    if (it == tracked_.end()) {
      if (tracked_.size() >= owner_.options_.max_keys) {
        overflow = true;
        continue;
      }
      it = tracked_.emplace(key, Tracked{}).first;
    }
    it->second.last_seen = now;
    it->second.next_read = now + kUnsharedRead;
    items.push_back(Item{this, key, n});
  }
  for (auto& [key, t] : tracked_) {
    if (hits.contains(key) || (!t.shared && now < t.next_read)) continue;
    t.next_read = now + kUnsharedRead;
    items.push_back(Item{this, key, 0});
  }
  if (overflow != overflow_logged_) {
    if (overflow) {
      spdlog::warn(
          "shared limits: more than {} keys under \"{}\" at once; the rest are limited by "
          "this node alone",
          owner_.options_.max_keys, name_);
    } else {
      spdlog::info("shared limits: every key under \"{}\" is shared again", name_);
    }
    overflow_logged_ = overflow;
  }
}

void SharedCounts::Budget::Apply(const std::string& key, long long delta, long long total,
                                 long long recent, SteadyTime now) {
  const auto it = tracked_.find(key);
  if (it == tracked_.end()) return;
  Tracked& t = it->second;
  // Another node's hits since the last read; for a key new here, or whose counter expired and
  // began again, the other nodes' hits of the last 1-2 s.
  const bool known = t.seen >= 0 && total >= t.seen + delta;
  const long long others = known ? total - t.seen - delta : std::max(0LL, recent - delta);
  if (others > 0 || (!known && total > delta)) t.shared = true;
  t.seen = total;
  if (others > 0) {
    t.last_seen = now;  // the client is active elsewhere: keep following it
    charge_(key, others);
  }
}

std::size_t SharedCounts::Budget::TrackedKeys() const {
  std::lock_guard lock(owner_.sync_mu_);
  return tracked_.size();
}

void SharedCounts::Budget::Forget() {
  for (auto& [key, t] : tracked_)
    t.seen = -1;
}

}  // namespace psm::redis
