// Listens on Redis pub/sub channels on a thread of its own and hands each message to a callback,
// resubscribing whenever Redis goes away and comes back. Pub/sub keeps nothing for a subscriber
// that is away, so on_connected() tells the user when to catch up from the store.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "redis/redis_url.hpp"

struct redisContext;  // hiredis
struct redisReply;    // hiredis

namespace psm::redis {

struct SubscriberOptions {
  std::vector<std::string> channels;  // at least one
  // Called on the subscriber's thread for each message, in the order Redis sent them. The
  // views last for the call only. Must not block for long (the next messages wait) and must not
  // call Stop().
  std::function<void(std::string_view channel, std::string_view payload)> on_message;
  // Called on the subscriber's thread each time every channel is subscribed again (the first
  // time too), before any message of that connection. Messages published while it was away are
  // lost: this is the moment to catch up from the store. May be empty.
  std::function<void()> on_connected;
  std::chrono::milliseconds connect_timeout{200};
  // How long Redis may take to confirm the subscriptions or answer a PING.
  std::chrono::milliseconds reply_timeout{200};
  // Waits between connect attempts: doubling from min_backoff to max_backoff, back to
  // min_backoff after a connection that got as far as subscribing.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{1000};
  // An idle connection is checked with a PING this often, so a connection that died without a
  // word (a cable, a firewall) is noticed within ping_interval + reply_timeout.
  std::chrono::milliseconds ping_interval{1000};
  std::string name = "redis subscriber";  // in log lines
};

// Start() once, Stop() (or destroy) once; connected() from any thread. The thread sleeps in
// poll() on the socket and a wake-up descriptor: it uses no CPU while nothing arrives, and Stop()
// wakes it at once (a connect in progress is abandoned the same way). Logs once when the
// connection is lost and once when it is back.
class Subscriber {
 public:
  Subscriber(RedisUrl url, SubscriberOptions options);
  // Stops the thread if running.
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Starts the thread, which connects and subscribes in the background (a Redis that is down
  // is not an error: it keeps trying). kInternal only if the thread's wake-up descriptor cannot
  // be made; kInvalid without channels or on_message.
  Status Start();
  // Wakes the thread and joins it; returns within a few milliseconds, whatever Redis is doing.
  // Callbacks are not called after it returns. Idempotent.
  void Stop();

  // True while subscribed to every channel on a connection believed alive.
  bool connected() const { return connected_.load(std::memory_order_acquire); }

 private:
  struct Free {
    void operator()(redisContext* c) const;
  };
  struct FreeReply {
    void operator()(redisReply* r) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, Free>;
  using ReplyPtr = std::unique_ptr<redisReply, FreeReply>;
  using SteadyTime = std::chrono::steady_clock::time_point;
  enum class Wait { kReady, kTimeout, kStop, kError };

  void Run();
  // One connection's life: connect, subscribe, deliver until it fails (the error) or Stop() is
  // called (Ok). `subscribed` says whether it got as far as subscribing.
  Status Session(bool& subscribed);
  Status Connect(ContextPtr& ctx);
  Status Subscribe(redisContext& ctx);
  Status Listen(redisContext& ctx);
  // Writes what hiredis has queued, waiting for the socket until `deadline`.
  Status Flush(redisContext& ctx, SteadyTime deadline);
  // The next reply, reading until `deadline`; nullptr when stopping.
  Result<ReplyPtr> NextReply(redisContext& ctx, SteadyTime deadline);
  // Hands a message to on_message; true for the answer to a PING.
  bool Dispatch(const redisReply& reply);
  // Blocks until `fd` (none if negative) is ready for `events`, Stop() is called, or `deadline`.
  Wait PollUntil(int fd, short events, SteadyTime deadline);
  void ReportSubscribed();
  void ReportLost(const Error& why);

  const RedisUrl url_;
  const SubscriberOptions options_;
  std::thread thread_;
  int wake_fd_ = -1;  // an eventfd Stop() writes to
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  // The subscriber thread's own: what was last logged.
  bool ever_subscribed_ = false;
  bool reported_down_ = false;
};

}  // namespace psm::redis
