// The server's per-address caps (connections, event streams) and its claim on the port, with a
// real server on loopback and real sockets.
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>

#include "http/server.hpp"
#include "http/sse.hpp"
#include "http/testing/test_client.hpp"

namespace psm::http {
namespace {

using boost::beast::http::verb;
using testing::TestClient;

class HttpLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(verb::get, "/hello",
                [](Request& req, Reply reply) { reply(Response::Text(200, req.client_key)); });
    router_.Add(verb::get, "/events", [this](Request&, Reply reply) {
      reply(Response::EventStream(hub_.Subscribe({}, std::nullopt)));
    });
  }

  void Start(std::vector<Cidr> trusted = {}) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.max_connections_per_address = 3;
    options.max_streams_per_address = 2;
    options.trusted_proxies = std::move(trusted);
    options.refusals = &refusals_;
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
  }

  bool Counted(std::string_view limit, int n) {
    return metrics_.Render().find("psm_rate_limited_total{limit=\"" + std::string(limit) + "\"} " +
                                  std::to_string(n)) != std::string::npos;
  }

  // Opens an event stream on `c` (with `headers`); true when its headers came back.
  static bool OpenStream(TestClient& c, std::string_view headers = "") {
    if (!c.Send("GET /events HTTP/1.1\r\nHost: t\r\n" + std::string(headers) + "\r\n"))
      return false;
    std::string seen;
    return c.ReadUntil("\r\n\r\n", &seen) && seen.find("200 OK") != std::string::npos;
  }

  Router router_;
  Metrics metrics_;
  LimitRefusals refusals_{metrics_};
  SseHub hub_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpLimitsTest, ConnectionsOverTheAddressCapGetA429AndClose) {
  Start();
  std::vector<std::unique_ptr<TestClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<TestClient>(server_->Port()));
    ASSERT_TRUE(open.back()->Get("/hello")) << i;
  }
  TestClient over(server_->Port());
  ASSERT_TRUE(over.connected());
  auto refused = over.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 429u);
  EXPECT_EQ((*refused)["Retry-After"], "1");
  EXPECT_EQ((*refused)["Content-Type"], "application/problem+json");
  EXPECT_NE(refused->body().find("rate_limited_connections"), std::string::npos);
  EXPECT_NE(refused->body().find("at most 3"), std::string::npos) << refused->body();
  EXPECT_TRUE(over.WaitClosed());
  EXPECT_TRUE(Counted("connections", 1));
  // A closed connection gives its place back, once the server has seen the socket close: polled
  // in real time.
  open.pop_back();
  for (int tries = 0; tries < 100; ++tries) {
    TestClient again(server_->Port());
    auto r = again.Get("/hello");
    if (r && r->result_int() == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the freed place was never given to a new connection";
}

TEST_F(HttpLimitsTest, TrustedProxiesAreNotCapped) {
  Start({*Cidr::Parse("127.0.0.1")});
  std::vector<std::unique_ptr<TestClient>> open;
  for (int i = 0; i < 10; ++i) {
    open.push_back(std::make_unique<TestClient>(server_->Port()));
    auto r = open.back()->Get("/hello", "X-Forwarded-For: 203.0.113.9\r\n");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->result_int(), 200u);
    EXPECT_EQ(r->body(), "203.0.113.9");
  }
}

TEST_F(HttpLimitsTest, StreamsOverTheAddressCapGetA429) {
  Start({*Cidr::Parse("127.0.0.1")});
  // Behind the proxy, two clients of one /64 count as one address; another /64 does not.
  TestClient a(server_->Port()), b(server_->Port()), c(server_->Port()), d(server_->Port());
  ASSERT_TRUE(OpenStream(a, "X-Forwarded-For: 2001:db8:5:6::1\r\n"));
  ASSERT_TRUE(OpenStream(b, "X-Forwarded-For: 2001:db8:5:6::2\r\n"));
  auto refused = c.Get("/events", "X-Forwarded-For: 2001:db8:5:6:ffff::3\r\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 429u);
  EXPECT_NE(refused->body().find("rate_limited_streams"), std::string::npos) << refused->body();
  EXPECT_FALSE((*refused)["Retry-After"].empty());
  EXPECT_TRUE(Counted("streams", 1));
  EXPECT_NE(metrics_.Render().find(
                "psm_http_requests_total{route=\"/events\",method=\"GET\",status=\"429\"} 1"),
            std::string::npos)
      << "the refusal is counted as what it was";
  EXPECT_EQ(hub_.SubscriberCount(), 2u) << "the refused stream's subscription was closed";
  ASSERT_TRUE(OpenStream(d, "X-Forwarded-For: 2001:db8:5:7::1\r\n"));
  // The refused connection is still usable.
  auto fine = c.Get("/hello", "X-Forwarded-For: 2001:db8:5:6::3\r\n");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->body(), "2001:db8:5:6::/64");
}

TEST_F(HttpLimitsTest, SecondServerOnThePortIsRefused) {
  Start();
  // Take a fixed port from the first server's ephemeral one: a second server on it must fail.
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = server_->Port();
  Metrics other_metrics;
  Server second(options, router_, other_metrics);
  const Status st = second.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "address_in_use") << st.error().detail;
}

TEST_F(HttpLimitsTest, ClaimedPortRefusesASecondClaimAndNamesTheHolder) {
  // A free port: bind, read it, close.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const unsigned short port = probe.local_endpoint().port();
  probe.close();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.threads = 2;
  Server first(options, router_, metrics_);
  ASSERT_TRUE(first.Start().ok());
  auto claim = ListenClaim::Take(boost::asio::ip::make_address("127.0.0.1"), port);
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.error().reason, "address_in_use");
  EXPECT_NE(claim.error().detail.find("another psm server (pid " + std::to_string(getpid())),
            std::string::npos)
      << claim.error().detail;
  first.Stop(std::chrono::milliseconds(100));
  // Stopped, the port is free for the next server.
  auto after = ListenClaim::Take(boost::asio::ip::make_address("127.0.0.1"), port);
  EXPECT_TRUE(after.ok()) << (after.ok() ? "" : after.error().detail);
}

TEST_F(HttpLimitsTest, AnotherProgramOnThePortIsFoundByTheProbe) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor other(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  other.listen();
  auto claim =
      ListenClaim::Take(boost::asio::ip::make_address("127.0.0.1"), other.local_endpoint().port());
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.error().reason, "address_in_use");
  EXPECT_NE(claim.error().detail.find("another program"), std::string::npos);
}

}  // namespace
}  // namespace psm::http
