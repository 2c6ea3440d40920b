// In-process server on 127.0.0.1:0 driven by a real socket client.
#include "http/server.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "http/prepared_response.hpp"
#include "http/problem.hpp"
#include "http/sse.hpp"
#include "http/testing/test_client.hpp"

namespace psm::http {
namespace {

using boost::beast::http::verb;
using testing::TestClient;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(verb::get, "/hello", [](Request&, Reply reply) {
      reply(Response::Text(200, "hello").With("ETag", "\"h1\""));
    });
    router_.Add(verb::get, "/stations/{id}", [](Request& req, Reply reply) {
      reply(Response::Text(200, "station " + std::string(req.Param("id")) +
                                    " q=" + std::string(req.Query("q").value_or("-"))));
    });
    router_.Add(verb::get, "/ip",
                [](Request& req, Reply reply) { reply(Response::Text(200, req.client_ip)); });
    router_.Add(verb::post, "/echo",
                [](Request& req, Reply reply) { reply(Response::Text(200, req.body)); });
    router_.Add(
        verb::post, "/batch",
        [](Request& req, Reply reply) {
          reply(Response::Text(200, std::to_string(req.body.size())));
        },
        RouteOptions{1 << 20});
    router_.Add(verb::get, "/async", [this](Request& req, Reply reply) {
      std::string path = req.path();  // the request is not valid after return
      std::lock_guard lock(mu_);
      workers_.emplace_back([reply = std::move(reply), path] {
        // Real time, not a clock: the answer must come after the pipelined requests behind it
        // have reached the server's socket, which only the kernel decides.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        reply(Response::Text(200, "async " + path));
      });
    });
    router_.Add(verb::get, "/slow", [this](Request&, Reply reply) {
      std::lock_guard lock(mu_);
      parked_ = std::move(reply);
      cv_.notify_all();
    });
    router_.Add(verb::get, "/dropped", [](Request&, Reply) {});
    router_.Add(verb::get, "/twice", [](Request&, Reply reply) {
      reply(Response::Text(200, "first"));
      reply(Response::Text(500, "second"));
    });
    router_.Add(verb::get, "/events", [this](Request& req, Reply reply) {
      reply(Response::EventStream(
          hub_.Subscribe({std::string(req.Query("station").value_or("")), 0}, std::nullopt)));
    });
    // Larger than a loopback socket's send buffer: the writer must finish through the loop.
    router_.Add(verb::get, "/big",
                [](Request&, Reply reply) { reply(Response::Text(200, Big())); });
    auto big = Prepare(Response::Text(200, Big()), {{"X-Content-Type-Options", "nosniff"}});
    router_.Add(verb::get, "/big-prepared",
                [big](Request&, Reply reply) { reply(Response::FromPrepared(big)); });
    // The same answers built per request and prepared once, to compare on the wire.
    for (unsigned status : {200u, 304u}) {
      const std::string suffix = std::to_string(status);
      router_.Add(verb::get, "/made/" + suffix,
                  [status](Request&, Reply reply) { reply(StationLike(status)); });
      auto prepared = Prepare(StationLike(status), {{"X-Content-Type-Options", "nosniff"}});
      router_.Add(verb::get, "/prepared/" + suffix,
                  [prepared](Request&, Reply reply) { reply(Response::FromPrepared(prepared)); });
    }
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.trusted_proxies = {*Cidr::Parse("127.0.0.1")};
    options.default_headers = {{"X-Content-Type-Options", "nosniff"}};
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->Port(), 0);
  }

  static std::string Big() {
    std::string body(12 << 20, '\0');
    for (std::size_t i = 0; i < body.size(); ++i)
      body[i] = static_cast<char>('a' + (i * 7919) % 26);
    return body;
  }

  static Response StationLike(unsigned status) {
    if (status == 304) return Response::NotModified("\"e1\"").With("Cache-Control", "max-age=9");
    return Response::Json(200, "{\"id\":\"30-1\"}")
        .With("ETag", "\"e1\"")
        .With("Cache-Control", "public, max-age=10");
  }

  // Everything one raw request gets back until the server closes or `until` has been seen.
  std::string RawAnswer(std::string_view request, std::string_view until) {
    TestClient c(server_->Port());
    EXPECT_TRUE(c.Send(request));
    std::string seen;
    c.ReadUntil(until, &seen);
    return seen;
  }

  void TearDown() override {
    server_->Stop(std::chrono::seconds(5));
    std::lock_guard lock(mu_);
    for (auto& t : workers_)
      t.join();
  }

  Reply WaitParked() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return static_cast<bool>(parked_); });
    return std::exchange(parked_, Reply());
  }

  Router router_;
  Metrics metrics_;
  SseHub hub_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  Reply parked_;
};

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.connected());
  auto a = c.Get("/hello");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->result_int(), 200u);
  EXPECT_EQ(a->body(), "hello");
  EXPECT_EQ((*a)["Server"], "psm");
  EXPECT_EQ((*a)["ETag"], "\"h1\"");
  EXPECT_EQ((*a)["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ((*a)["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_TRUE(a->keep_alive());
  auto b = c.Get("/stations/34-112?q=a+b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->body(), "station 34-112 q=a b");
}

TEST_F(HttpServerTest, PreparedResponseIsByteForByteTheBuiltOne) {
  for (const std::string status : {"200", "304"}) {
    const std::string end = status == "200" ? "\"30-1\"}" : "nosniff\r\n\r\n";
    for (const std::string tail : {"HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0\r\nHost: x\r\n\r\n",
                                   "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
      const std::string made = RawAnswer("GET /made/" + status + " " + tail, end);
      const std::string prepared = RawAnswer("GET /prepared/" + status + " " + tail, end);
      EXPECT_EQ(prepared, made) << status << " " << tail;
      EXPECT_NE(made.find("X-Content-Type-Options: nosniff"), std::string::npos) << made;
    }
  }
  // HEAD falls back to the built response: headers with Content-Length, no body.
  const std::string head = RawAnswer("HEAD /prepared/200 HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 13\r\n"), std::string::npos) << head;
}

TEST_F(HttpServerTest, AnswersLargerThanTheSendBufferArriveWhole) {
  const std::string expected = Big();
  TestClient c(server_->Port());
  for (const std::string path : {"/big", "/big-prepared", "/big", "/hello"}) {
    ASSERT_TRUE(c.Send("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    // Let the server fill the socket before anything is read, so its first send is partial (real
    // time: only the kernel's send buffer says when that has happened).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = c.Read();
    ASSERT_TRUE(r) << path;
    if (path == "/hello") {
      EXPECT_EQ(r->body(), "hello");  // the connection is still in step after the big answers
    } else {
      EXPECT_EQ(r->body().size(), expected.size()) << path;
      EXPECT_TRUE(r->body() == expected) << path;
    }
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  TestClient c(server_->Port());
  ASSERT_TRUE(
      c.Send("GET /async HTTP/1.1\r\nHost: t\r\n\r\n"
             "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst"
             "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r1 = c.Read();
  auto r2 = c.Read();
  auto r3 = c.Read();
  ASSERT_TRUE(r1 && r2 && r3);
  EXPECT_EQ(r1->body(), "async /async");
  EXPECT_EQ(r2->body(), "first");
  EXPECT_EQ(r3->body(), "hello");
}

// Most requests arrive whole and are parsed at once; these come in pieces, the way a slow
// mobile network delivers them, and must be read on until complete. The sleeps are real time:
// each piece must reach the server's socket, and be read, on its own.
TEST_F(HttpServerTest, RequestsArrivingInPiecesAreServed) {
  TestClient c(server_->Port());
  for (std::string_view piece :
       {"GET /stati", "ons/34-112?q=a", "b HTTP/1.1\r\nHo", "st: t\r\n", "\r\n"}) {
    ASSERT_TRUE(c.Send(piece));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "station 34-112 q=ab");

  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nfir"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.Send("st pieceGET /hello HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c.Send("Host: t\r\n\r\n"));
  auto echo = c.Read();
  auto hello = c.Read();
  ASSERT_TRUE(echo && hello);
  EXPECT_EQ(echo->body(), "first piece");
  EXPECT_EQ(hello->body(), "hello");

  TestClient big(server_->Port());  // the header limit holds across pieces too
  ASSERT_TRUE(big.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: "));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(big.Send(std::string(9000, 'a') + "\r\n\r\n"));
  auto too_big = big.Read();
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->result_int(), 431u);

  // The limit is on the whole header, the part the first read took included: 10 KB of short
  // lines sent at once is over it.
  TestClient many(server_->Port());
  std::string lines;
  for (int i = 0; i < 200; ++i)
    lines += "X-Line-" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  ASSERT_TRUE(many.Send("GET /hello HTTP/1.1\r\nHost: t\r\n" + lines + "\r\n"));
  auto too_many = many.Read();
  ASSERT_TRUE(too_many);
  EXPECT_EQ(too_many->result_int(), 431u);
}

TEST_F(HttpServerTest, AsyncHandlerRepliesFromAnotherThread) {
  TestClient c(server_->Port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/async");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "async /async");
  }
}

// A crowd of new connections, more than one burst of the acceptor, each answered.
TEST_F(HttpServerTest, ManyConnectionsOpenedAtOnceAreAllServed) {
  constexpr int kClients = 300;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TestClient>(server_->Port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  for (auto& c : clients)
    ASSERT_TRUE(c->Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  int answered = 0;
  for (auto& c : clients) {
    auto r = c->Read();
    answered += r && r->body() == "hello";
  }
  EXPECT_EQ(answered, kClients);
}

TEST_F(HttpServerTest, DroppedReplyBecomes500) {
  TestClient c(server_->Port());
  auto r = c.Get("/dropped");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500u);
  EXPECT_EQ((*r)["Content-Type"], "application/problem+json");
}

// A session reuses its reply receiver while no Reply outlives the handler call. Mixing answers
// given at once, later from another thread, and never, on one connection, must give each
// request its own answer.
TEST_F(HttpServerTest, RepliesNowLaterAndNeverMixOnOneConnection) {
  TestClient c(server_->Port());
  for (const char* target : {"/hello", "/dropped", "/hello", "/async", "/twice", "/dropped",
                             "/async", "/stations/1-2", "/twice", "/async"}) {
    SCOPED_TRACE(target);
    auto r = c.Get(target);
    ASSERT_TRUE(r);
    const std::string_view t(target);
    if (t == "/hello") {
      EXPECT_EQ(r->body(), "hello");
    } else if (t == "/dropped") {
      EXPECT_EQ(r->result_int(), 500u);
    } else if (t == "/async") {
      EXPECT_EQ(r->body(), "async /async");
    } else if (t == "/twice") {
      EXPECT_EQ(r->body(), "first");
    } else {
      EXPECT_EQ(r->body(), "station 1-2 q=-");
    }
  }
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowed) {
  TestClient c(server_->Port());
  auto nf = c.Get("/nope");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->result_int(), 404u);
  EXPECT_EQ((*nf)["Content-Type"], "application/problem+json");
  ASSERT_TRUE(c.Send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto na = c.Read();
  ASSERT_TRUE(na);
  EXPECT_EQ(na->result_int(), 405u);
  EXPECT_EQ((*na)["Allow"], "GET, HEAD");
  EXPECT_TRUE(na->keep_alive());
}

TEST_F(HttpServerTest, HeadHasHeadersButNoBody) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto r = c.Read(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
  EXPECT_EQ((*r)["Content-Length"], "5");
  EXPECT_TRUE(r->body().empty());
  auto next = c.Get("/hello");  // the stream is still in sync: no stray body bytes
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "hello");
}

TEST_F(HttpServerTest, OversizedBodyIs413AndCloses) {
  TestClient c(server_->Port());
  std::string body(20000, 'x');  // default limit is 16 KiB
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 20000\r\n\r\n" + body));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413u);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.WaitClosed());

  TestClient chunked(server_->Port());  // no Content-Length: the limit applies while reading
  ASSERT_TRUE(
      chunked.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "4e20\r\n" +
                   body + "\r\n0\r\n\r\n"));
  auto rc = chunked.Read();
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->result_int(), 413u);

  TestClient batch(server_->Port());  // the route's own larger limit
  ASSERT_TRUE(
      batch.Send("POST /batch HTTP/1.1\r\nHost: t\r\nContent-Length: 20000\r\n\r\n" + body));
  auto rb = batch.Read();
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->result_int(), 200u);
  EXPECT_EQ(rb->body(), "20000");
}

TEST_F(HttpServerTest, MalformedRequestIs400AndCloses) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nBad Header Line\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400u);
  EXPECT_EQ((*r)["Content-Type"], "application/problem+json");
  EXPECT_TRUE(c.WaitClosed());

  TestClient bad_target(server_->Port());
  auto t = bad_target.Get("/a%zz");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->result_int(), 400u);

  // A path or parameter that decodes to bytes that are not UTF-8: a route's, an unknown path's
  // and a HEAD's, each answered 400 with a problem (a HEAD without its body).
  for (const char* target : {"/stations/%ff", "/stations/1?q=%ff", "/nope/%ff"}) {
    TestClient c(server_->Port());
    auto r = c.Get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->result_int(), 400u) << target;
    EXPECT_EQ((*r)["Content-Type"], "application/problem+json") << target;
  }
  const std::string head = RawAnswer("HEAD /nope/%ff HTTP/1.1\r\nHost: t\r\n\r\n", "\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 400 ", 0), 0u) << head;
}

TEST_F(HttpServerTest, TransferCodingOtherThanChunkedIsRefusedAndCloses) {
  // The body is a smuggled request: read as "no body" it would be answered as the next one.
  const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
  for (const char* coding : {"gzip", "identity", "xchunked", "chunked, identity"}) {
    TestClient c(server_->Port());
    ASSERT_TRUE(c.Send(std::string("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: ") +
                       coding + "\r\n\r\n" + smuggled));
    auto r = c.Read();
    ASSERT_TRUE(r) << coding;
    EXPECT_EQ(r->result_int(), 400u) << coding;
    EXPECT_EQ((*r)["Content-Type"], "application/problem+json");
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.WaitClosed()) << coding << ": the smuggled request must not be answered";
  }
  // "hello" in one chunk, sent with `coding`.
  auto post_hello = [&](TestClient& client, const std::string& coding) {
    return client.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding +
                       "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  };
  TestClient c(server_->Port());
  ASSERT_TRUE(post_hello(c, "gzip, chunked"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 501u);
  EXPECT_TRUE(c.WaitClosed());
  // Chunked alone is read as before.
  TestClient ok(server_->Port());
  ASSERT_TRUE(post_hello(ok, "chunked"));
  auto echoed = ok.Read();
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->result_int(), 200u);
  EXPECT_EQ(echoed->body(), "hello");
}

// RFC 9112: an HTTP/1.1 request has exactly one Host (section 3.2), and an HTTP/1.0 request's
// Transfer-Encoding makes its framing faulty (section 6.1). Both 400, and the connection closed.
TEST_F(HttpServerTest, MissingOrRepeatedHostAndHttp10TransferEncodingAre400) {
  for (const char* request :
       {"GET /hello HTTP/1.1\r\n\r\n", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}) {
    TestClient c(server_->Port());
    ASSERT_TRUE(c.Send(request));
    auto r = c.Read();
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->result_int(), 400u) << request;
    EXPECT_EQ((*r)["Content-Type"], "application/problem+json");
    EXPECT_TRUE(c.WaitClosed()) << request;
  }
  TestClient old(server_->Port());  // HTTP/1.0 needs no Host
  ASSERT_TRUE(old.Send("GET /hello HTTP/1.0\r\n\r\n"));
  auto r = old.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200u);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  TestClient c(server_->Port());
  ASSERT_TRUE(
      c.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431u);
}

TEST_F(HttpServerTest, ConnectionCloseHonoured) {
  TestClient c(server_->Port());
  auto r = c.Get("/hello", "Connection: close\r\n");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(c.WaitClosed());
}

TEST_F(HttpServerTest, ForwardedForFromTrustedProxy) {
  TestClient c(server_->Port());
  auto direct = c.Get("/ip");
  ASSERT_TRUE(direct);
  EXPECT_EQ(direct->body(), "127.0.0.1");
  auto proxied = c.Get("/ip", "X-Forwarded-For: 6.6.6.6, 203.0.113.9\r\n");
  ASSERT_TRUE(proxied);
  EXPECT_EQ(proxied->body(), "203.0.113.9");
}

TEST_F(HttpServerTest, RecordsMetrics) {
  TestClient c(server_->Port());
  // Runs of one route and switches between routes: each request counts in its own series.
  for (const char* path : {"/hello", "/hello", "/stations/1-1", "/nope", "/hello"})
    ASSERT_TRUE(c.Get(path));
  ASSERT_TRUE(c.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"));  // same route, another method
  ASSERT_TRUE(c.Read(true));
  // A request's duration is observed after its answer is sent, so the requests checked below
  // are followed by one that is not: the session has finished them before it reads this one.
  ASSERT_TRUE(c.Get("/ip"));
  std::string text = metrics_.Render();
  EXPECT_NE(text.find("psm_http_requests_total{route=\"/hello\",method=\"GET\",status=\"200\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("psm_http_requests_total{route=\"/stations/{id}\",method=\"GET\","
                      "status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("route=\"unmatched\",method=\"GET\",status=\"404\"} 1"), std::string::npos);
  EXPECT_NE(text.find("psm_http_requests_total{route=\"/hello\",method=\"HEAD\",status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("psm_http_request_duration_seconds_count{route=\"/hello\"} 4"),
            std::string::npos);
  EXPECT_NE(text.find("psm_http_request_duration_seconds_count{route=\"/stations/{id}\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("psm_http_connections 1"), std::string::npos);
}

TEST_F(HttpServerTest, SseEventsPublishedInQuickSuccessionAllArriveInOrder) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string seen;
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n", &seen));
  // The first goes out at once; the rest fall inside the loop's coalescing interval and go out
  // together when it ends.
  for (int i = 1; i <= 5; ++i)
    hub_.Publish("status", "34-1", 34, "{\"n\":" + std::to_string(i) + "}");
  ASSERT_TRUE(c.ReadUntil("data: {\"n\":5}\n\n", &seen)) << seen;
  std::size_t at = 0;
  for (int i = 1; i <= 5; ++i) {
    const auto next = seen.find("data: {\"n\":" + std::to_string(i) + "}", at);
    ASSERT_NE(next, std::string::npos) << i << seen;
    at = next;
  }
}

TEST_F(HttpServerTest, SseStreamReceivesPublishedEvent) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Send("GET /events?station=34-1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string seen;
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n", &seen));
  EXPECT_NE(seen.find("Content-Type: text/event-stream"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_NE(seen.find("X-Accel-Buffering: no"), std::string::npos);
  // The handler subscribed before the headers were written.
  EXPECT_EQ(hub_.SubscriberCount(), 1u);
  hub_.Publish("status", "99-9", 99, R"({"other":true})");  // filtered out
  auto id = hub_.Publish("status", "34-1", 34, R"({"queue":12})");
  ASSERT_TRUE(c.ReadUntil("data: {\"queue\":12}\n\n", &seen)) << seen;
  EXPECT_NE(seen.find("id: " + std::to_string(id) + "\nevent: status\n"), std::string::npos);
  EXPECT_EQ(seen.find("other"), std::string::npos);
  EXPECT_NE(metrics_.Render().find("psm_sse_subscribers 1"), std::string::npos);
  // Stop ends the stream with the final chunk and closes the connection.
  server_->Stop(std::chrono::seconds(10));
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(hub_.SubscriberCount(), 0u);
}

TEST_F(HttpServerTest, StopFinishesInFlightRequest) {
  TestClient idle(server_->Port());
  ASSERT_TRUE(idle.Get("/hello"));  // a keep-alive connection with nothing in flight
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply reply = WaitParked();
  ASSERT_TRUE(reply);
  auto stopped = std::async(std::launch::async, [&] { server_->Stop(std::chrono::seconds(30)); });
  // Stop has begun once the idle connection is closed; the slow request is still waiting.
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  reply(Response::Text(200, "finally"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "finally");
  EXPECT_FALSE(r->keep_alive());
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_FALSE(TestClient(server_->Port()).connected());
  server_->Stop();  // idempotent
}

// One event loop whose handler parks every reply, for answering from another thread at once.
// Short wait timeouts, to see the loop's sweep close waiting connections.
class HttpIdleTimeoutTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::milliseconds kHeaderTimeout{400};
  static constexpr std::chrono::milliseconds kIdleTimeout{800};

  void SetUp() override {
    router_.Add(verb::get, "/hello",
                [](Request&, Reply reply) { reply(Response::Text(200, "hello")); });
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.header_timeout = kHeaderTimeout;
    options.idle_timeout = kIdleTimeout;
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
  }

  static std::chrono::milliseconds Since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t);
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
};

TEST_F(HttpIdleTimeoutTest, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  TestClient c(server_->Port());
  ASSERT_TRUE(c.connected());
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_GE(Since(t0), kHeaderTimeout);
  // The session unregisters just after it closes the socket (on its loop's thread: polled).
  for (int i = 0; i < 500 && server_->Connections() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(server_->Connections(), 0u);
}

TEST_F(HttpIdleTimeoutTest, HeaderLeftUnfinishedIsClosedAfterTheHeaderTimeout) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Get("/hello"));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost:"));
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_GE(Since(t0), kHeaderTimeout);
  EXPECT_LT(Since(t0), kIdleTimeout * 4);
}

TEST_F(HttpIdleTimeoutTest, KeepAliveLastsWhileRequestsComeThenIdleTimeoutCloses) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.connected());
  // Six requests 200 ms apart: longer in all than either timeout, never idle for as long. Real
  // time: the connection timeouts are the event loops' own, on real sockets.
  for (int i = 0; i < 6; ++i) {
    auto r = c.Get("/hello");
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->body(), "hello");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  const auto answered = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_GE(Since(answered), kIdleTimeout - std::chrono::milliseconds(50));
}

TEST_F(HttpIdleTimeoutTest, StopClosesWaitingConnectionsAtOnce) {
  TestClient c(server_->Port());
  ASSERT_TRUE(c.Get("/hello"));
  const auto t0 = std::chrono::steady_clock::now();
  server_->Stop(std::chrono::seconds(5));
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_LT(Since(t0), kIdleTimeout);
}

class HttpParkedRepliesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(verb::get, "/parked/{id}", [this](Request& req, Reply reply) {
      std::lock_guard lock(mu_);
      parked_.emplace_back(std::string(req.Param("id")), std::move(reply));
      cv_.notify_all();
    });
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;  // every session on the same loop, so they share its wake queue
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    ASSERT_TRUE(server_->Start().ok());
  }

  // The parked replies once `n` have arrived (fewer if they do not come within 30 s).
  std::vector<std::pair<std::string, Reply>> WaitParked(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return parked_.size() >= n; });
    return std::exchange(parked_, {});
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Reply>> parked_;
};

TEST_F(HttpParkedRepliesTest, BurstOfRepliesFromAnotherThreadReachesEveryClient) {
  constexpr std::size_t kClients = 100;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (std::size_t i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TestClient>(server_->Port()));
    ASSERT_TRUE(
        clients.back()->Send("GET /parked/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  for (int round = 0; round < 2; ++round) {
    auto parked = WaitParked(kClients);
    ASSERT_EQ(parked.size(), kClients);
    // Answered in reverse order of arrival, all in one go, as the writer answers a batch.
    std::thread writer([&] {
      for (auto it = parked.rbegin(); it != parked.rend(); ++it)
        it->second(Response::Text(200, "answer " + it->first));
    });
    writer.join();
    for (std::size_t i = 0; i < kClients; ++i) {
      auto r = clients[i]->Read();
      ASSERT_TRUE(r) << "client " << i << " round " << round;
      EXPECT_EQ(r->body(), "answer " + std::to_string(i));
      // The same sessions park again, on the same loop, for a second burst.
      if (round == 0) {
        ASSERT_TRUE(
            clients[i]->Send("GET /parked/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
      }
    }
  }
}

TEST_F(HttpParkedRepliesTest, ReplyAfterTheSessionEndedIsHarmless) {
  TestClient a(server_->Port()), b(server_->Port());
  ASSERT_TRUE(a.Send("GET /parked/a HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(b.Send("GET /parked/b HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto parked = WaitParked(2);
  ASSERT_EQ(parked.size(), 2u);
  // The loop stops with both sessions still waiting: the first reply's wake is queued on a loop
  // that never runs it, and the io_context is destroyed with it pending.
  server_->Stop(std::chrono::milliseconds(0));
  std::thread([&] { parked[0].second(Response::Text(200, "late")); }).join();
  server_.reset();
  // The second comes after the sessions' frames are gone.
  std::thread([&] { parked[1].second(Response::Text(200, "later")); }).join();
  EXPECT_FALSE(a.Read());
  EXPECT_FALSE(b.Read());
}

}  // namespace
}  // namespace psm::http
