// The command connection against a real redis-server: replies, errors, pipelines, databases, and
// what a Redis that is down or hangs costs a caller.
#include "redis/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>

#include "core/testing/fake_clock.hpp"
#include "redis/testing/redis_server.hpp"

namespace psm::redis {
namespace {

using psm::testing::FakeClock;
using psm::testing::RedisServer;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

RedisUrl UrlOf(const std::string& text) {
  auto url = RedisUrl::Parse(text);
  EXPECT_TRUE(url.ok());
  return url.ok() ? *url : RedisUrl{};
}

class RedisConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.error().detail;
    server_ = std::move(*started);
  }
  Connection Connect(const std::string& suffix = "") {
    return Connection(UrlOf(server_->Url() + suffix), clock_);
  }

  FakeClock clock_{Instant{}};  // paces reconnects: they happen only when a test moves it
  std::unique_ptr<RedisServer> server_;
};

TEST_F(RedisConnectionTest, CommandsAnswerWithTheirReplies) {
  Connection conn = Connect();
  EXPECT_FALSE(conn.connected()) << "nothing happens before the first call";
  ASSERT_TRUE(conn.Ping().ok());
  EXPECT_TRUE(conn.connected());

  const std::string binary("a\0b\r\nc", 6);  // arguments are binary-safe
  auto set = conn.Command({"SET", "k", binary});
  ASSERT_TRUE(set.ok()) << set.error().detail;
  EXPECT_EQ(set->type, Reply::Type::kStatus);
  EXPECT_EQ(set->text, "OK");
  auto get = conn.Command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->type, Reply::Type::kString);
  EXPECT_EQ(get->text, binary);
  auto missing = conn.Command({"GET", "absent"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->type, Reply::Type::kNil);
  auto incr = conn.Command(std::vector<std::string>{"INCRBY", "n", "41"});
  ASSERT_TRUE(incr.ok());
  EXPECT_EQ(incr->integer, 41);
  auto list = conn.Command({"MGET", "k", "absent"});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->type, Reply::Type::kArray);
  ASSERT_EQ(list->elements.size(), 2u);
  EXPECT_EQ(list->elements[1].type, Reply::Type::kNil);
}

TEST_F(RedisConnectionTest, AnErrorReplyIsAnErrorAndTheConnectionStays) {
  Connection conn = Connect();
  ASSERT_TRUE(conn.Command({"SET", "k", "text"}).ok());
  auto wrong = conn.Command({"INCR", "k"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInternal);
  EXPECT_EQ(wrong.error().reason, "redis_error");
  EXPECT_NE(wrong.error().detail.find("not an integer"), std::string::npos) << wrong.error().detail;
  auto unknown = conn.Command({"NO-SUCH-COMMAND"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().reason, "redis_error");
  EXPECT_TRUE(conn.connected());
  EXPECT_TRUE(conn.Ping().ok());
}

TEST_F(RedisConnectionTest, APipelineAnswersEveryCommandInOrder) {
  Connection conn = Connect();
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "word", "x"}, {"INCR", "word"}, {"INCRBY", "n", "2"}, {"INCRBY", "n", "3"}};
  auto replies = conn.Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.error().detail;
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[0].text, "OK");
  EXPECT_TRUE((*replies)[1].is_error()) << "one command's error is its own";
  EXPECT_EQ((*replies)[2].integer, 2);
  EXPECT_EQ((*replies)[3].integer, 5);
}

TEST_F(RedisConnectionTest, TheUrlsDatabaseIsSelected) {
  Connection db3 = Connect("/3");
  ASSERT_TRUE(db3.Command({"SET", "where", "three"}).ok());
  Connection db0 = Connect();
  auto in0 = db0.Command({"GET", "where"});
  ASSERT_TRUE(in0.ok());
  EXPECT_EQ(in0->type, Reply::Type::kNil);
  ASSERT_TRUE(db0.Command({"SELECT", "3"}).ok());
  auto in3 = db0.Command({"GET", "where"});
  ASSERT_TRUE(in3.ok());
  EXPECT_EQ(in3->text, "three");
}

TEST_F(RedisConnectionTest, PublishCountsReceivers) {
  Connection conn = Connect();
  auto receivers = conn.Publish("psm:test", "hello");
  ASSERT_TRUE(receivers.ok()) << receivers.error().detail;
  EXPECT_EQ(*receivers, 0) << "nobody subscribed";
}

TEST_F(RedisConnectionTest, ADownRedisFailsAtOnceAndIsRetriedAfterTheBackoff) {
  Connection conn = Connect();
  ASSERT_TRUE(conn.Ping().ok());
  server_->Stop();

  auto lost = conn.Publish("psm:test", "x");  // the open connection finds Redis gone
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(lost.error().reason, "redis_unavailable");
  EXPECT_FALSE(conn.connected());

  ASSERT_TRUE(server_->Restart().ok());
  // Until the backoff has passed on the connection's clock, calls fail without trying.
  for (int i = 0; i < 100; ++i) {
    const auto start = Steady::now();
    auto r = conn.Publish("psm:test", "x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, "redis_unavailable");
    EXPECT_LT(Steady::now() - start, milliseconds(20)) << "a call in the backoff does no I/O";
  }
  EXPECT_FALSE(conn.connected());
  EXPECT_TRUE(conn.backing_off());
  clock_.Advance(milliseconds(100));
  EXPECT_FALSE(conn.backing_off());
  auto back = conn.Publish("psm:test", "x");
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_TRUE(conn.connected());
}

TEST_F(RedisConnectionTest, TheBackoffDoublesWhileRedisStaysDown) {
  Connection conn = Connect();
  server_->Stop();
  ASSERT_FALSE(conn.Ping().ok());  // attempt 1 fails: next in 100 ms
  clock_.Advance(milliseconds(100));
  ASSERT_FALSE(conn.Ping().ok());  // attempt 2 fails: next in 200 ms
  ASSERT_TRUE(server_->Restart().ok());
  clock_.Advance(milliseconds(150));
  EXPECT_FALSE(conn.Ping().ok()) << "still inside the doubled backoff";
  clock_.Advance(milliseconds(50));
  EXPECT_TRUE(conn.Ping().ok());
}

// A listener that never accepts: the kernel completes the handshake, nobody ever answers — a
// Redis that hangs.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  std::string Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(RedisConnection, AHangingRedisCostsOneCommandTimeoutThenNothing) {
  SilentListener silent;
  FakeClock clock{Instant{}};
  ConnectionOptions options;
  options.command_timeout = milliseconds(150);
  Connection conn(UrlOf(silent.Url()), clock, options);

  auto start = Steady::now();
  auto r = conn.Publish("psm:test", "x");
  const auto first = Steady::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_GE(first, milliseconds(140)) << "it waited for the answer";
  EXPECT_LT(first, milliseconds(400)) << "but no longer than the command timeout";

  start = Steady::now();
  EXPECT_FALSE(conn.Publish("psm:test", "x").ok());
  EXPECT_LT(Steady::now() - start, milliseconds(20)) << "the backoff spares the next call";
}

TEST(RedisConnection, NoServerIsUnavailableAtOnce) {
  FakeClock clock{Instant{}};
  Connection conn(UrlOf("redis://127.0.0.1:1"), clock);
  const auto start = Steady::now();
  auto r = conn.Command({"PING"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().detail.find("redis://127.0.0.1:1/0"), std::string::npos) << r.error().detail;
  EXPECT_LT(Steady::now() - start, milliseconds(300));
}

}  // namespace
}  // namespace psm::redis
