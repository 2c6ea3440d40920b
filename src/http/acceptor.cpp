// The accept loop of one event loop: enforces max_connections and spawns a session per socket.
#include <string>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>

#include "http/session.hpp"

namespace psm::http::detail {

namespace asio = boost::asio;
using boost::system::error_code;

// At most this many connections are taken from the backlog in one turn, so that a flood of
// new ones cannot keep the loop from the requests of those already open.
constexpr int kAcceptBurst = 256;

Awaitable<> RunAcceptor(ServerShared& shared, Loop& loop) {
  static const std::string kBusy = [] {
    std::string body =
        R"({"type":"https://psm.invalid/problems/unavailable","title":"Service unavailable",)"
        R"("status":503,"detail":"Too many connections; retry shortly."})";
    return "HTTP/1.1 503 Service Unavailable\r\nServer: psm\r\n"
           "Content-Type: application/problem+json\r\nRetry-After: 1\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  // Each connection that RunAcceptor starts serving; over max_connections, a 503 and a close.
  auto admit = [&shared, &loop](Socket socket) {
    error_code ec;
    if (shared.connections.fetch_add(1) >= shared.options.max_connections) {
      shared.connections.fetch_sub(1);
      socket.non_blocking(true, ec);
      socket.write_some(asio::buffer(kBusy), ec);
      socket.shutdown(Tcp::socket::shutdown_both, ec);
      socket.close(ec);
      return;
    }
    socket.set_option(Tcp::no_delay(true), ec);
    asio::co_spawn(loop.ioc.get_executor(), RunSession(std::move(socket), shared, loop),
                   asio::detached);
  };
  Timer backoff(loop.ioc.get_executor());
  error_code ec;
  // Synchronous accepts below return would_block when the backlog is empty, never wait.
  loop.acceptor.non_blocking(true, ec);
  for (;;) {
    Socket socket = co_await loop.acceptor.async_accept(asio::redirect_error(kAwait, ec));
    if (ec == asio::error::operation_aborted || !loop.acceptor.is_open() ||
        shared.stopping.load()) {
      break;
    }
    if (ec) {
      // Typically EMFILE: back off briefly instead of spinning on the error.
      spdlog::warn("http: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::redirect_error(kAwait, ec));
      continue;
    }
    admit(std::move(socket));
    // A crowd arrives together: take what else is already waiting in the backlog now, instead
    // of one connection per turn of the loop behind every other ready task (nginx's
    // multi_accept). A failure here is left to the next async_accept to see and report.
    for (int taken = 1; taken < kAcceptBurst; ++taken) {
      Socket next = loop.acceptor.accept(ec);
      if (ec) break;
      admit(std::move(next));
    }
  }
}

}  // namespace psm::http::detail
