// Server: binds one SO_REUSEPORT acceptor per loop, runs the loops, and stops them gracefully.
#include "http/server.hpp"

#include <sys/socket.h>

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "core/thread_name.hpp"
#include "http/session.hpp"

namespace psm::http {
namespace {

namespace asio = boost::asio;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace

Server::Server(ServerOptions options, const Router& router, Metrics& metrics)
    : options_(std::move(options)), router_(router) {
  shared_ = std::make_unique<detail::ServerShared>(options_, router_);
  shared_->trusted = TrustedProxies(options_.trusted_proxies);
  shared_->header_phase_body_limit = router_.MaxBodyLimit(options_.default_body_limit);
  shared_->requests = &metrics.AddCounter("psm_http_requests_total", "HTTP requests answered.",
                                          {"route", "method", "status"});
  shared_->durations = &metrics.AddHistogram(
      "psm_http_request_duration_seconds",
      "Time from complete request header to response written (SSE: to stream start).", {"route"},
      LatencyBuckets());
  shared_->connections_gauge =
      &metrics.AddGauge("psm_http_connections", "Open HTTP connections.").With({});
  shared_->sse_gauge =
      &metrics.AddGauge("psm_sse_subscribers", "Open Server-Sent Events streams.").With({});
}

Server::~Server() {
  Stop(std::chrono::milliseconds(0));
}

Status Server::Start(ListenClaim claim) {
  std::lock_guard lock(stop_mu_);
  if (started_) return Error::Internal("already_started", "Start() called twice");
  unsigned threads = options_.threads ? options_.threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return Error::Invalid("bad_listen_address",
                          "cannot parse listen address '" + options_.host + "'");
  }
  unsigned short port = options_.port;
  if (!claim.held()) {
    auto taken = ListenClaim::Take(address, port);
    if (!taken.ok()) return taken.error();
    claim = std::move(taken).value();
  }
  std::vector<std::unique_ptr<detail::Loop>> loops;
  for (unsigned i = 0; i < threads; ++i) {
    auto loop = std::make_unique<detail::Loop>();
    detail::Tcp::endpoint endpoint(address, port);
    auto& acc = loop->acceptor;
    acc.open(endpoint.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.set_option(ReusePort(true), ec);
    if (!ec) acc.bind(endpoint, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error::Unavailable("bind_failed", "cannot listen on " + options_.host + ":" +
                                                   std::to_string(port) + ": " + ec.message());
    }
    // With port 0 the first acceptor picks the port and the others join it.
    if (port == 0) port = acc.local_endpoint().port();
    loops.push_back(std::move(loop));
  }
  port_ = port;
  claim_ = std::move(claim);
  loops_ = std::move(loops);
  // Idle connections are closed within a quarter of the shorter wait timeout of their deadline.
  const auto sweep_interval =
      std::clamp(std::min(options_.header_timeout, options_.idle_timeout) / 4,
                 std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  for (auto& loop : loops_) {
    asio::co_spawn(loop->ioc.get_executor(), detail::RunAcceptor(*shared_, *loop), asio::detached);
    asio::co_spawn(loop->ioc.get_executor(), detail::SweepIdle(*shared_, *loop, sweep_interval),
                   asio::detached);
  }
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([ioc = &loops_[i]->ioc, i] {
      NameThisThread("psm-loop-" + std::to_string(i));
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: event loop caught: {}", e.what());
        }
      }
    });
  }
  started_ = true;
  spdlog::info("http: listening on {}:{} with {} event loops", options_.host, port_, threads);
  return {};
}

void Server::Stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(stop_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  auto deadline = std::chrono::steady_clock::now() + grace;
  shared_->stopping.store(true);
  // Every loop must run its close-down step before the wait below can end; otherwise a loop
  // without connections could be stopped with its acceptor still listening.
  auto acked = std::make_shared<std::atomic<std::size_t>>(0);
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get(), acked, shared = shared_.get()] {
      boost::system::error_code ec;
      l->acceptor.close(ec);
      l->sweep.cancel();
      for (detail::Connection* conn : l->connections) {
        if (conn->phase == detail::Connection::Phase::kIdle) {
          conn->stream->socket().cancel(ec);
        } else if (conn->phase == detail::Connection::Phase::kStreaming) {
          conn->wake->cancel();
        }
      }
      std::lock_guard lock(shared->mu);
      acked->fetch_add(1);
      shared->cv.notify_all();
    });
  }
  {
    std::unique_lock wait_lock(shared_->mu);
    bool drained = shared_->cv.wait_until(wait_lock, deadline, [&] {
      return acked->load() == loops_.size() && shared_->connections.load() == 0;
    });
    if (!drained) {
      spdlog::warn("http: stopping with {} connections still open", shared_->connections.load());
    }
  }
  for (auto& loop : loops_)
    loop->ioc.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  // The loops are gone, so touching the acceptors from this thread is now safe.
  for (auto& loop : loops_) {
    boost::system::error_code ec;
    loop->acceptor.close(ec);
  }
  claim_.Release();
  spdlog::info("http: stopped");
}

std::size_t Server::Connections() const {
  return shared_->connections.load();
}

}  // namespace psm::http
