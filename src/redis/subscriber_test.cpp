// The subscriber thread against a real redis-server: delivery, resubscription after Redis goes
// away, and a prompt Stop() whatever Redis is doing. Real threads and sockets, so the tests wait
// for conditions with deadlines.
#include "redis/subscriber.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "redis/connection.hpp"
#include "redis/testing/redis_server.hpp"

namespace psm::redis {
namespace {

using psm::testing::RedisServer;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// Polls `done` until it holds or `limit` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& done, milliseconds limit = milliseconds(10000)) {
  const auto deadline = Steady::now() + limit;
  while (!done()) {
    if (Steady::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

RedisUrl UrlOf(const std::string& text) {
  auto url = RedisUrl::Parse(text);
  EXPECT_TRUE(url.ok());
  return url.ok() ? *url : RedisUrl{};
}

// What a subscriber received, readable from the test thread.
struct Inbox {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> messages;
  std::atomic<int> connects{0};

  SubscriberOptions Options(std::vector<std::string> channels) {
    SubscriberOptions o;
    o.channels = std::move(channels);
    o.on_message = [this](std::string_view channel, std::string_view payload) {
      std::lock_guard lock(mu);
      messages.emplace_back(channel, payload);
    };
    o.on_connected = [this] { ++connects; };
    return o;
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
};

class RedisSubscriberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    server_ = std::move(*started);
  }
  // A connection to publish with.
  Connection Publisher() { return Connection(UrlOf(server_->Url()), clock_); }

  SystemClock clock_;
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisSubscriberTest, DeliversEveryMessageInOrder) {
  Inbox inbox;
  Subscriber sub(UrlOf(server_->Url()), inbox.Options({"psm:a", "psm:b"}));
  EXPECT_FALSE(sub.connected());
  ASSERT_TRUE(sub.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sub.connected() && inbox.connects.load() > 0; }));
  EXPECT_EQ(inbox.connects.load(), 1);

  Connection pub = Publisher();
  for (int i = 0; i < 500; ++i) {
    auto receivers = pub.Publish(i % 2 == 0 ? "psm:a" : "psm:b", "m" + std::to_string(i));
    ASSERT_TRUE(receivers.ok()) << receivers.error().detail;
    EXPECT_EQ(*receivers, 1);
  }
  ASSERT_TRUE(pub.Publish("psm:other", "not subscribed").ok());
  const std::string big(100000, 'x');  // more than one read's worth
  ASSERT_TRUE(pub.Publish("psm:a", big).ok());
  ASSERT_TRUE(WaitFor([&] { return inbox.size() == 501; })) << inbox.size();
  sub.Stop();
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(inbox.messages[i].first, i % 2 == 0 ? "psm:a" : "psm:b");
    EXPECT_EQ(inbox.messages[i].second, "m" + std::to_string(i));
  }
  EXPECT_EQ(inbox.messages[500].second, big);
}

TEST_F(RedisSubscriberTest, SubscribesAgainWhenRedisComesBack) {
  Inbox inbox;
  SubscriberOptions options = inbox.Options({"psm:a"});
  options.min_backoff = milliseconds(20);
  options.max_backoff = milliseconds(100);
  Subscriber sub(UrlOf(server_->Url()), std::move(options));
  ASSERT_TRUE(sub.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sub.connected(); }));

  server_->Stop();
  ASSERT_TRUE(WaitFor([&] { return !sub.connected(); })) << "the loss is noticed";
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(WaitFor([&] { return inbox.connects.load() == 2; }))
      << "on_connected again, for the catch-up";
  EXPECT_TRUE(sub.connected());

  Connection pub = Publisher();
  auto receivers = pub.Publish("psm:a", "after");
  ASSERT_TRUE(receivers.ok()) << receivers.error().detail;
  EXPECT_EQ(*receivers, 1);
  ASSERT_TRUE(WaitFor([&] { return inbox.size() == 1; }));
  EXPECT_EQ(inbox.messages[0].second, "after");
}

TEST_F(RedisSubscriberTest, StartsWhileRedisIsDownAndSubscribesWhenItComes) {
  server_->Stop();
  Inbox inbox;
  Subscriber sub(UrlOf(server_->Url()), inbox.Options({"psm:a"}));
  ASSERT_TRUE(sub.Start().ok());
  EXPECT_FALSE(sub.connected());
  ASSERT_TRUE(server_->Restart().ok());
  // connected() turns true just before the connect callback runs, on the subscriber's thread.
  ASSERT_TRUE(WaitFor([&] { return sub.connected() && inbox.connects.load() > 0; }));
  EXPECT_EQ(inbox.connects.load(), 1);
}

TEST_F(RedisSubscriberTest, APingFindsAFrozenRedis) {
  Inbox inbox;
  SubscriberOptions options = inbox.Options({"psm:a"});
  options.ping_interval = milliseconds(100);
  options.reply_timeout = milliseconds(100);
  Subscriber sub(UrlOf(server_->Url()), std::move(options));
  ASSERT_TRUE(sub.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sub.connected(); }));
  // Stopped, the process keeps its sockets open but answers nothing: like a dead link.
  ASSERT_EQ(::kill(server_->pid(), SIGSTOP), 0);
  const bool noticed = WaitFor([&] { return !sub.connected(); }, milliseconds(3000));
  ASSERT_EQ(::kill(server_->pid(), SIGCONT), 0);
  EXPECT_TRUE(noticed) << "an idle connection is checked";
  ASSERT_TRUE(WaitFor([&] { return inbox.connects.load() == 2 && sub.connected(); }));
}

// Stop() while the thread is wherever Redis put it.
void ExpectPromptStop(Subscriber& sub) {
  const auto start = Steady::now();
  sub.Stop();
  EXPECT_LT(Steady::now() - start, milliseconds(100));
  EXPECT_FALSE(sub.connected());
}

TEST_F(RedisSubscriberTest, StopsPromptlyWhileListening) {
  Inbox inbox;
  Subscriber sub(UrlOf(server_->Url()), inbox.Options({"psm:a"}));
  ASSERT_TRUE(sub.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return sub.connected(); }));
  ExpectPromptStop(sub);
  sub.Stop();  // idempotent
}

TEST_F(RedisSubscriberTest, StopsPromptlyWhileRedisIsDown) {
  server_->Stop();
  // The thread is somewhere in its cycle of connect attempts and backoff waits (up to 1 s):
  // wherever it is, Stop() is prompt.
  for (const int after_ms : {0, 30, 120, 400}) {
    Inbox inbox;
    Subscriber sub(UrlOf(server_->Url()), inbox.Options({"psm:a"}));
    ASSERT_TRUE(sub.Start().ok());
    std::this_thread::sleep_for(milliseconds(after_ms));
    ExpectPromptStop(sub);
    EXPECT_EQ(inbox.connects.load(), 0);
  }
}

TEST(RedisSubscriber, StopsPromptlyWhileRedisHangs) {
  // Accepts connections (the kernel's backlog) and never answers: SUBSCRIBE waits for its
  // confirmation.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  Inbox inbox;
  SubscriberOptions options = inbox.Options({"psm:a"});
  options.reply_timeout = milliseconds(5000);  // so Stop() surely finds it waiting
  Subscriber sub(UrlOf("redis://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))),
                 std::move(options));
  ASSERT_TRUE(sub.Start().ok());
  std::this_thread::sleep_for(milliseconds(100));
  ExpectPromptStop(sub);
  ::close(fd);
}

TEST(RedisSubscriber, NeedsChannelsAndACallback) {
  Subscriber none(UrlOf("redis://127.0.0.1:1"), SubscriberOptions{});
  auto s = none.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace psm::redis
