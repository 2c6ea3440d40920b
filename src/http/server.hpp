// The HTTP/1.1 server: N event-loop threads, each with its own io_context and its own
// SO_REUSEPORT acceptor, running one coroutine per connection (see session.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/cidr.hpp"
#include "http/limit_refusals.hpp"
#include "http/listen_claim.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace psm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = an ephemeral port, see Server::Port()
  unsigned threads = 0;        // 0 = std::thread::hardware_concurrency()
  std::size_t header_limit = 8 * 1024;
  std::size_t default_body_limit = 16 * 1024;
  std::chrono::milliseconds header_timeout{10'000};  // a new connection's first request header
  std::chrono::milliseconds body_timeout{30'000};    // reading a body once the header is in
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{30'000};   // any single response or SSE write
  std::size_t max_connections = 20'000;  // beyond this, new connections get a 503 and close
  // Per client address (an IPv6 client per /64, see LimitKey): open connections and open event
  // streams at most, 0 = no cap; beyond them a 429 naming the limit. Connections from trusted
  // proxies are not capped (a proxy carries many clients and caps them itself), but the streams
  // of the clients behind it are.
  std::size_t max_connections_per_address = 0;
  std::size_t max_streams_per_address = 0;
  // Counts the refusals of those caps; may be null. Must outlive the server.
  LimitRefusals* refusals = nullptr;
  // Peers allowed to set X-Forwarded-For (e.g. the local nginx); see client_ip.hpp.
  std::vector<Cidr> trusted_proxies;
  // Added to every response unless the Response sets the same header (e.g. security headers).
  std::vector<std::pair<std::string, std::string>> default_headers;
  // Log one line per request (client, method, target, status, latency) through spdlog.
  bool access_log = false;
};

namespace detail {
struct ServerShared;
struct Loop;
}  // namespace detail

class Server {
 public:
  // `router` and `metrics` must outlive the server. Registers psm_http_* metrics.
  Server(ServerOptions options, const Router& router, Metrics& metrics);
  // Stops with no grace period if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every acceptor and starts the event-loop threads. Returns kUnavailable if the address
  // cannot be bound (and leaves nothing running), with reason "address_in_use" when another
  // program listens there or another psm server has claimed the port (see listen_claim.hpp).
  // Call once. `claim`, when it holds one, is the port's claim taken earlier by the caller (to
  // fail before a slow start-up); otherwise Start() takes it.
  Status Start(ListenClaim claim = {});
  // The bound port (useful with port 0); 0 before Start().
  unsigned short Port() const { return port_; }

  // Stops accepting, closes idle keep-alive connections, ends SSE streams, lets in-flight
  // requests finish and close their connections, and after `grace` (or when all connections are
  // gone) stops the loops and joins the threads. Blocks; thread-safe and idempotent. Must not be
  // called from an event-loop thread (e.g. from a handler).
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds{10'000});

  // Open connections right now.
  std::size_t Connections() const;

 private:
  ServerOptions options_;
  const Router& router_;
  std::unique_ptr<detail::ServerShared> shared_;
  std::mutex stop_mu_;
  bool started_ = false;
  bool stopped_ = false;
  unsigned short port_ = 0;
  std::vector<std::thread> threads_;
  ListenClaim claim_;  // held while serving, so no second server joins our SO_REUSEPORT group
  // Declared last so it is destroyed first: destroying an io_context destroys the coroutine
  // frames of unfinished sessions, which still refer to shared_.
  std::vector<std::unique_ptr<detail::Loop>> loops_;
};

}  // namespace psm::http
