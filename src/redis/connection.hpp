// A connection to Redis for commands, pipelines and publishing. Every call has a timeout and
// returns a Result; while Redis is down a call fails at once, but for one reconnect attempt per
// backoff interval, so a dead Redis costs its callers almost nothing.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "redis/redis_url.hpp"
#include "redis/reply.hpp"

struct redisContext;  // hiredis

namespace psm::redis {

struct ConnectionOptions {
  // How long a connect may take (TCP handshake; a name is resolved before, without a limit).
  std::chrono::milliseconds connect_timeout{200};
  // How long one read or write of a command may block; then the connection is dropped.
  std::chrono::milliseconds command_timeout{200};
  // After a failure, calls fail at once for this long before one of them tries to connect
  // again; the wait doubles with each failure in a row, up to max_backoff.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{1000};
  // Names the connection in log lines (e.g. "bus publisher", "shared limits").
  std::string name = "redis";
};

// One connection, opened on first use. Not thread-safe: one thread at a time uses it (it may
// pass to another thread between calls). Move-only.
//
// Every failure is an Error, never an exception:
// - kUnavailable "redis_unavailable": Redis could not be reached, timed out, closed the
//   connection or sent something unreadable. The connection is dropped; a later call connects
//   again once the backoff has passed, and calls before that fail without any I/O.
// - kUnavailable "redis_busy": an error reply saying Redis cannot serve now (LOADING, BUSY,
//   MASTERDOWN, READONLY, TRYAGAIN); the connection stays.
// - kInternal "redis_error": any other error reply (a bad command), or a reply of the wrong type.
// Logs once when the connection is lost or cannot be made, and once when it is made again.
class Connection {
 public:
  // Does not connect. `clock`'s SteadyNow() paces reconnects; it must outlive the connection.
  Connection(RedisUrl url, const Clock& clock, ConnectionOptions options = {});
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  // Runs one command (arguments as Redis receives them, binary-safe) and returns its reply.
  // Blocks for at most connect_timeout + command_timeout (plus one SELECT's round trip for a
  // URL naming a database other than 0).
  Result<Reply> Command(std::initializer_list<std::string_view> args);
  Result<Reply> Command(std::span<const std::string> args);

  // Sends every command, then reads every reply: one round trip for all of them. An error
  // reply is a kError element (the others still ran); a lost connection fails the whole call,
  // and which commands ran is then unknown.
  Result<std::vector<Reply>> Pipeline(std::span<const std::vector<std::string>> commands);

  // PING; Ok on PONG.
  Status Ping();
  // PUBLISH; how many subscribers received the message (on this Redis).
  Result<long long> Publish(std::string_view channel, std::string_view payload);

  // True while a connection is open (it may still turn out to be dead on the next call).
  bool connected() const { return ctx_ != nullptr; }
  // True while a call would fail at once, without trying: Redis was unavailable and the
  // backoff has not passed. Lets a caller skip preparing work that cannot be sent.
  bool backing_off() const;
  const RedisUrl& url() const { return url_; }

 private:
  struct Free {
    void operator()(redisContext* c) const;
  };
  using Args = std::span<const std::string_view>;

  // Connects when there is no connection and the backoff allows it.
  Status Ready();
  // One command: connects if needed, runs it, maps an error reply.
  Result<Reply> Execute(Args args);
  // Sends one command on the open connection and reads its reply as it is.
  Result<Reply> Run(Args args);
  // Drops the connection, schedules the next attempt and logs if this is news.
  Error Fail(std::string what);
  // The successful round trip that ends a run of failures.
  void Succeeded();

  RedisUrl url_;
  const Clock* clock_;
  ConnectionOptions options_;
  std::unique_ptr<redisContext, Free> ctx_;
  int failures_ = 0;       // failures in a row
  SteadyTime retry_at_{};  // no connect attempt before this
  std::string last_error_;
  bool reported_down_ = false;  // the loss was logged and its recovery not yet
};

}  // namespace psm::redis
