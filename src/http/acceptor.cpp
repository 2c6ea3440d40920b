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
  Timer backoff(loop.ioc.get_executor());
  for (;;) {
    error_code ec;
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
    if (shared.connections.fetch_add(1) >= shared.options.max_connections) {
      shared.connections.fetch_sub(1);
      socket.non_blocking(true, ec);
      socket.write_some(asio::buffer(kBusy), ec);
      socket.shutdown(Tcp::socket::shutdown_both, ec);
      socket.close(ec);
      continue;
    }
    socket.set_option(Tcp::no_delay(true), ec);
    asio::co_spawn(loop.ioc.get_executor(), RunSession(std::move(socket), shared, loop),
                   asio::detached);
  }
}

}  // namespace psm::http::detail
