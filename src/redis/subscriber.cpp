// hiredis in non-blocking mode, driven by poll() on the socket and an eventfd, so the thread
// waits without spinning and Stop() never waits for a timeout.
#include "redis/subscriber.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/thread_name.hpp"
#include "redis/no_sigpipe.hpp"

namespace psm::redis {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

Error Lost(std::string detail) {
  return Error::Unavailable("redis_unavailable", std::move(detail));
}

std::string_view View(const redisReply& r) {
  return std::string_view(r.str != nullptr ? r.str : "", r.len);
}

// The kind of a pub/sub push (["message", channel, payload], ["subscribe", channel, count],
// ["pong", ""]), or "" for anything else.
std::string_view KindOf(const redisReply& r) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements == 0) return {};
  const redisReply& first = *r.element[0];
  return first.type == REDIS_REPLY_STRING ? View(first) : std::string_view();
}

}  // namespace

void Subscriber::Free::operator()(redisContext* c) const {
  redisFree(c);
}

void Subscriber::FreeReply::operator()(redisReply* r) const {
  freeReplyObject(r);
}

Subscriber::Subscriber(RedisUrl url, SubscriberOptions options)
    : url_(std::move(url)), options_(std::move(options)) {}

Subscriber::~Subscriber() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Status Subscriber::Start() {
  if (options_.channels.empty() || !options_.on_message) {
    return Error::Invalid("redis_subscriber", "a subscriber needs channels and on_message");
  }
  if (thread_.joinable() || stopping_) {
    return Error::Internal("redis_subscriber", "a subscriber starts once");
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    return Error::Internal("redis_subscriber", std::string("eventfd: ") + std::strerror(errno));
  }
  thread_ = std::thread([this] { Run(); });
  return {};
}

void Subscriber::Stop() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  connected_.store(false);
}

void Subscriber::Run() {
  NameThisThread("redis-sub");
  milliseconds backoff = options_.min_backoff;
  while (!stopping_) {
    bool subscribed = false;
    const Status ended = Session(subscribed);
    connected_.store(false, std::memory_order_release);
    if (stopping_) break;
    if (subscribed) backoff = options_.min_backoff;
    ReportLost(ended.ok() ? Lost("the connection ended") : ended.error());
    if (PollUntil(-1, 0, Steady::now() + backoff) == Wait::kStop) break;
    backoff = std::min(options_.max_backoff, backoff * 2);
  }
}

Status Subscriber::Session(bool& subscribed) {
  ContextPtr ctx;
  if (auto s = Connect(ctx); !s.ok() || stopping_) return s;
  if (auto s = Subscribe(*ctx); !s.ok() || stopping_) return s;
  subscribed = true;
  connected_.store(true, std::memory_order_release);
  ReportSubscribed();
  if (options_.on_connected) options_.on_connected();
  return Listen(*ctx);
}

Status Subscriber::Connect(ContextPtr& ctx) {
  ctx.reset(redisConnectNonBlock(url_.host.c_str(), url_.port));
  if (!ctx) return Lost("cannot connect: out of memory");
  if (ctx->err != 0) return Lost(std::string("cannot connect: ") + ctx->errstr);
  switch (PollUntil(ctx->fd, POLLOUT, Steady::now() + options_.connect_timeout)) {
    case Wait::kStop:
      return {};
    case Wait::kTimeout:
      return Lost("cannot connect: no answer within " +
                  std::to_string(options_.connect_timeout.count()) + " ms");
    case Wait::kError:
      return Lost(std::string("cannot connect: poll: ") + std::strerror(errno));
    case Wait::kReady:
      break;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(ctx->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return Lost(std::string("cannot connect: ") + std::strerror(err));
  return {};
}

Status Subscriber::Subscribe(redisContext& ctx) {
  std::vector<const char*> argv{"SUBSCRIBE"};
  std::vector<std::size_t> lens{9};
  for (const std::string& channel : options_.channels) {
    argv.push_back(channel.data());
    lens.push_back(channel.size());
  }
  if (redisAppendCommandArgv(&ctx, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
      REDIS_OK) {
    return Lost(std::string("SUBSCRIBE: ") + ctx.errstr);
  }
  const auto deadline = Steady::now() + options_.reply_timeout;
  if (auto s = Flush(ctx, deadline); !s.ok() || stopping_) return s;
  std::size_t confirmed = 0;
  while (confirmed < options_.channels.size()) {
    auto reply = NextReply(ctx, deadline);
    if (!reply.ok()) return reply.error();
    if (!*reply) return {};  // stopping
    const redisReply& r = **reply;
    if (r.type == REDIS_REPLY_ERROR) return Lost("SUBSCRIBE refused: " + std::string(View(r)));
    if (KindOf(r) == "subscribe") ++confirmed;
  }
  return {};
}

Status Subscriber::Listen(redisContext& ctx) {
  bool ping_out = false;
  auto ping_deadline = Steady::now();
  for (;;) {
    for (;;) {  // every reply already read, before waiting again
      void* raw = nullptr;
      if (redisGetReplyFromReader(&ctx, &raw) != REDIS_OK) {
        return Lost(std::string("unreadable reply: ") + ctx.errstr);
      }
      if (raw == nullptr) break;
      const ReplyPtr reply(static_cast<redisReply*>(raw));
      if (Dispatch(*reply)) ping_out = false;
      if (stopping_) return {};
    }
    const auto deadline = ping_out ? ping_deadline : Steady::now() + options_.ping_interval;
    switch (PollUntil(ctx.fd, POLLIN, deadline)) {
      case Wait::kStop:
        return {};
      case Wait::kError:
        return Lost(std::string("poll: ") + std::strerror(errno));
      case Wait::kTimeout: {
        if (ping_out) {
          return Lost("no answer to PING within " + std::to_string(options_.reply_timeout.count()) +
                      " ms");
        }
        if (redisAppendCommand(&ctx, "PING") != REDIS_OK) return Lost(ctx.errstr);
        ping_out = true;
        ping_deadline = Steady::now() + options_.reply_timeout;
        if (auto s = Flush(ctx, ping_deadline); !s.ok() || stopping_) return s;
        break;
      }
      case Wait::kReady:
        if (redisBufferRead(&ctx) != REDIS_OK) return Lost(ctx.errstr);
        break;
    }
  }
}

Status Subscriber::Flush(redisContext& ctx, SteadyTime deadline) {
  detail::NoSigpipe no_sigpipe;
  for (;;) {
    int done = 0;
    if (redisBufferWrite(&ctx, &done) != REDIS_OK) return Lost(ctx.errstr);
    if (done != 0) return {};
    switch (PollUntil(ctx.fd, POLLOUT, deadline)) {
      case Wait::kStop:
        return {};
      case Wait::kTimeout:
        return Lost("cannot send: Redis does not read");
      case Wait::kError:
        return Lost(std::string("poll: ") + std::strerror(errno));
      case Wait::kReady:
        break;
    }
  }
}

Result<Subscriber::ReplyPtr> Subscriber::NextReply(redisContext& ctx, SteadyTime deadline) {
  for (;;) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(&ctx, &raw) != REDIS_OK) {
      return Lost(std::string("unreadable reply: ") + ctx.errstr);
    }
    if (raw != nullptr) return ReplyPtr(static_cast<redisReply*>(raw));
    switch (PollUntil(ctx.fd, POLLIN, deadline)) {
      case Wait::kStop:
        return ReplyPtr();
      case Wait::kTimeout:
        return Lost("no answer within " + std::to_string(options_.reply_timeout.count()) + " ms");
      case Wait::kError:
        return Lost(std::string("poll: ") + std::strerror(errno));
      case Wait::kReady:
        if (redisBufferRead(&ctx) != REDIS_OK) return Lost(ctx.errstr);
        break;
    }
  }
}

bool Subscriber::Dispatch(const redisReply& reply) {
  const std::string_view kind = KindOf(reply);
  if (kind == "message" && reply.elements == 3) {
    options_.on_message(View(*reply.element[1]), View(*reply.element[2]));
  }
  return kind == "pong";
}

Subscriber::Wait Subscriber::PollUntil(int fd, short events, SteadyTime deadline) {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, events, 0}};
  const nfds_t count = fd >= 0 ? 2 : 1;
  for (;;) {
    if (stopping_) return Wait::kStop;
    const auto left = std::chrono::ceil<milliseconds>(deadline - Steady::now()).count();
    const int timeout = static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
    const int n = ::poll(fds, count, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wait::kError;
    if (stopping_ || fds[0].revents != 0) return Wait::kStop;
    if (n == 0) return Wait::kTimeout;
    return Wait::kReady;  // an error or hang-up shows in the read or write that follows
  }
}

void Subscriber::ReportSubscribed() {
  if (!ever_subscribed_) {
    spdlog::info("{}: subscribed at {} to {} channel(s)", options_.name, url_.ToString(),
                 options_.channels.size());
  } else if (reported_down_) {
    spdlog::info("{}: subscribed again at {} (messages sent while it was away are lost)",
                 options_.name, url_.ToString());
  }
  ever_subscribed_ = true;
  reported_down_ = false;
}

void Subscriber::ReportLost(const Error& why) {
  if (reported_down_) return;
  spdlog::warn("{}: {} at {}: {}; trying again every {}-{} ms", options_.name,
               ever_subscribed_ ? "lost Redis" : "cannot subscribe", url_.ToString(), why.detail,
               options_.min_backoff.count(), options_.max_backoff.count());
  reported_down_ = true;
}

}  // namespace psm::redis
