// The accept loop of one event loop: enforces max_connections and the per-address cap, and spawns
// a session per socket.
#include <array>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>

#include "http/prepared_response.hpp"
#include "http/problem.hpp"
#include "http/session.hpp"

namespace psm::http::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// At most this many connections are taken from the backlog in one turn, so that a flood of
// new ones cannot keep the loop from the requests of those already open.
constexpr int kAcceptBurst = 256;

// The bytes of a refusal written straight to a socket that gets no session: `problem`, with
// Connection: close.
std::shared_ptr<const PreparedResponse> RefusalWire(Response problem,
                                                    const DefaultHeaders& defaults) {
  problem.With("Connection", "close");
  return Prepare(std::move(problem), defaults);
}

// Writes `refusal`, dated now, if the socket takes it at once, then closes: a refused client
// gets the answer when its buffer has room, and never holds the loop.
void RefuseSocket(Socket& socket, const PreparedResponse& refusal) {
  error_code ec;
  socket.non_blocking(true, ec);
  const HttpDate date = CurrentHttpDate();
  const auto pieces = DatedPieces(refusal, date);
  const std::array<asio::const_buffer, 3> buffers{asio::buffer(pieces[0].data(), pieces[0].size()),
                                                  asio::buffer(pieces[1].data(), pieces[1].size()),
                                                  asio::buffer(pieces[2].data(), pieces[2].size())};
  socket.write_some(buffers, ec);
  socket.shutdown(Tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace

Awaitable<> RunAcceptor(ServerShared& shared, Loop& loop) {
  const auto& defaults = shared.options.default_headers;
  const auto busy = RefusalWire(Unavailable("Too many connections; retry shortly."), defaults);
  const auto over_per_address = RefusalWire(
      TooManyRequests(LimitName(Limit::kConnections), std::chrono::seconds(1),
                      "Too many open connections from this address (limit: connections, at most " +
                          std::to_string(shared.options.max_connections_per_address) +
                          " at once); close some or retry shortly."),
      defaults);
  // Each connection that RunAcceptor starts serving; over max_connections, a 503 and a close;
  // over the address's cap, a 429 and a close.
  auto admit = [&shared, &loop, &busy, &over_per_address](Socket socket) {
    error_code ec;
    if (shared.connections.fetch_add(1) >= shared.options.max_connections) {
      shared.connections.fetch_sub(1);
      RefuseSocket(socket, *busy);
      return;
    }
    AddressSlots::Slot slot;
    if (shared.connection_slots.cap() != 0) {
      const auto peer = socket.remote_endpoint(ec).address();
      if (!ec && !shared.trusted.Contains(Unmapped(peer))) {
        auto taken = shared.connection_slots.TryAcquire(LimitKey(peer));
        if (!taken) {
          shared.connections.fetch_sub(1);
          if (shared.options.refusals) shared.options.refusals->Count(Limit::kConnections);
          RefuseSocket(socket, *over_per_address);
          return;
        }
        slot = std::move(*taken);
      }
    }
    socket.set_option(Tcp::no_delay(true), ec);
    asio::co_spawn(loop.ioc.get_executor(),
                   RunSession(std::move(socket), shared, loop, std::move(slot)), asio::detached);
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
