// hiredis in blocking mode with socket timeouts, wrapped so that failures are values.
#include "redis/connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "redis/no_sigpipe.hpp"

namespace psm::redis {
namespace {

timeval ToTimeval(std::chrono::milliseconds d) {
  const long long ms = std::max<long long>(1, d.count());
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// An error reply as an Error: the ones that say "not now" may succeed on a retry.
Error ErrorReply(std::string_view message) {
  for (const std::string_view busy : {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN"}) {
    if (StartsWith(message, busy)) {
      return Error::Unavailable("redis_busy", "Redis cannot serve now: " + std::string(message));
    }
  }
  return Error::Internal("redis_error", "Redis refused a command: " + std::string(message));
}

struct FreeReply {
  void operator()(void* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<void, FreeReply>;

}  // namespace

void Connection::Free::operator()(redisContext* c) const {
  redisFree(c);
}

Connection::Connection(RedisUrl url, const Clock& clock, ConnectionOptions options)
    : url_(std::move(url)), clock_(&clock), options_(std::move(options)) {}

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Error Connection::Fail(std::string what) {
  ctx_.reset();
  const std::chrono::milliseconds backoff =
      std::min(options_.max_backoff, options_.min_backoff * (1 << std::min(failures_, 20)));
  ++failures_;
  retry_at_ = clock_->SteadyNow() + backoff;
  last_error_ = std::move(what);
  if (!reported_down_) {
    spdlog::warn("{}: Redis at {} unavailable: {}; calls fail until it is back", options_.name,
                 url_.ToString(), last_error_);
    reported_down_ = true;
  }
  return Error::Unavailable("redis_unavailable",
                            "Redis at " + url_.ToString() + ": " + last_error_);
}

void Connection::Succeeded() {
  failures_ = 0;
  if (reported_down_) {
    spdlog::info("{}: Redis at {} is back", options_.name, url_.ToString());
    reported_down_ = false;
  }
}

bool Connection::backing_off() const {
  return !ctx_ && failures_ > 0 && clock_->SteadyNow() < retry_at_;
}

Status Connection::Ready() {
  if (ctx_) return {};
  if (backing_off()) {
    return Error::Unavailable(
        "redis_unavailable",
        "Redis at " + url_.ToString() + ": " + last_error_ + " (waiting before the next attempt)");
  }
  ctx_.reset(
      redisConnectWithTimeout(url_.host.c_str(), url_.port, ToTimeval(options_.connect_timeout)));
  if (!ctx_) return Fail("cannot connect: out of memory");
  if (ctx_->err != 0) return Fail(std::string("cannot connect: ") + ctx_->errstr);
  if (redisSetTimeout(ctx_.get(), ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Fail(std::string("cannot set the timeout: ") + ctx_->errstr);
  }
  if (url_.db != 0) {
    const std::string db = std::to_string(url_.db);
    const std::string_view args[] = {"SELECT", db};
    auto selected = Run(args);
    if (!selected.ok()) return selected.error();
    if (selected->is_error()) return Fail("SELECT " + db + ": " + selected->text);
  }
  return {};
}

Result<Reply> Connection::Run(Args args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  ReplyPtr reply(
      redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (!reply) return Fail(ctx_->errstr[0] != '\0' ? ctx_->errstr : "no reply");
  return detail::CopyReply(*static_cast<redisReply*>(reply.get()));
}

Result<Reply> Connection::Command(std::initializer_list<std::string_view> args) {
  return Execute(Args(args.begin(), args.size()));
}

Result<Reply> Connection::Command(std::span<const std::string> args) {
  const std::vector<std::string_view> views(args.begin(), args.end());
  return Execute(views);
}

Result<Reply> Connection::Execute(Args args) {
  detail::NoSigpipe no_sigpipe;
  if (auto s = Ready(); !s.ok()) return s.error();
  auto reply = Run(args);
  if (!reply.ok()) return reply;
  Succeeded();
  if (reply->is_error()) return ErrorReply(reply->text);
  return reply;
}

Result<std::vector<Reply>> Connection::Pipeline(
    std::span<const std::vector<std::string>> commands) {
  detail::NoSigpipe no_sigpipe;
  if (auto s = Ready(); !s.ok()) return s.error();
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& command : commands) {
    argv.clear();
    lens.clear();
    for (const std::string& a : command) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(),
                               lens.data()) != REDIS_OK) {
      return Fail(std::string("cannot queue a command: ") + ctx_->errstr);
    }
  }
  std::vector<Reply> out;
  out.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return Fail(ctx_->errstr[0] != '\0' ? ctx_->errstr : "no reply");
    }
    ReplyPtr reply(raw);
    out.push_back(detail::CopyReply(*static_cast<redisReply*>(raw)));
  }
  Succeeded();
  return out;
}

Status Connection::Ping() {
  auto reply = Command({"PING"});
  if (!reply.ok()) return reply.error();
  if (reply->type != Reply::Type::kStatus || reply->text != "PONG") {
    return Error::Internal("redis_error", "PING was not answered PONG");
  }
  return {};
}

Result<long long> Connection::Publish(std::string_view channel, std::string_view payload) {
  auto reply = Command({"PUBLISH", channel, payload});
  if (!reply.ok()) return reply.error();
  if (reply->type != Reply::Type::kInteger) {
    return Error::Internal("redis_error", "PUBLISH was not answered with a number");
  }
  return reply->integer;
}

}  // namespace psm::redis
