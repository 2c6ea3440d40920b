// Internal to psm_http: the per-connection coroutine and the state it shares with the Server.
// Everything in detail::Loop is touched only from that loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_set>
#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/address_slots.hpp"
#include "http/client_ip.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace psm::http::detail {

using Executor = boost::asio::io_context::executor_type;
using Tcp = boost::asio::ip::tcp;
using Socket = boost::asio::basic_stream_socket<Tcp, Executor>;
using Acceptor = boost::asio::basic_socket_acceptor<Tcp, Executor>;
using Stream = boost::beast::basic_stream<Tcp, Executor>;
using Timer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;
template <class T = void>
using Awaitable = boost::asio::awaitable<T, Executor>;
inline constexpr boost::asio::use_awaitable_t<Executor> kAwait{};

class WakeQueue;  // wakeup.hpp

// State shared by every session of one server. Outlives all sessions.
struct ServerShared {
  ServerShared(const ServerOptions& opts, const Router& r)
      : options(opts),
        router(r),
        connection_slots(opts.max_connections_per_address),
        stream_slots(opts.max_streams_per_address) {}

  const ServerOptions& options;
  const Router& router;
  AddressSlots connection_slots;  // open connections per client address
  AddressSlots stream_slots;      // open event streams per client address
  TrustedProxies trusted;
  std::size_t header_phase_body_limit = 0;  // largest route limit, before the route is known
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::mutex mu;  // with cv: Stop() waits for connections to reach zero
  std::condition_variable cv;
  Family<Counter>* requests = nullptr;
  Family<Histogram>* durations = nullptr;
  Gauge* connections_gauge = nullptr;
  Gauge* sse_gauge = nullptr;
};

// What Stop() needs to know about a live connection.
struct Connection {
  enum class Phase { kIdle, kBusy, kStreaming };
  Phase phase = Phase::kIdle;
  Stream* stream = nullptr;
  Timer* wake = nullptr;
  // While the connection waits for a request's first bytes: when the loop's sweep closes it
  // (the header timeout for a new connection, else the keep-alive idle timeout).
  std::chrono::steady_clock::time_point idle_deadline =
      std::chrono::steady_clock::time_point::max();
};

// One event loop. Member order matters: destroyed sweep timer and acceptor, then io_context
// (which destroys unfinished session and sweep frames; sessions unregister from `connections`),
// then `connections`.
struct Loop {
  // Metric series by (route pattern's address, method, status): the registry's label lookup
  // (strings, a shared lock) once per loop and series instead of twice per request. Route names
  // are the router's own strings or literals, so their addresses are stable.
  using SeriesKey = std::tuple<const char*, unsigned, unsigned>;
  std::map<SeriesKey, Counter*> request_series;
  std::map<const char*, Histogram*> duration_series;
  // The series the last request took: requests in a row mostly take the same (station reads),
  // and then the maps are not walked.
  SeriesKey last_request_key{};
  Counter* last_request_series = nullptr;
  const char* last_duration_route = nullptr;
  Histogram* last_duration_series = nullptr;
  std::unordered_set<Connection*> connections;
  // Wakes for this loop's sessions from other threads, created by the first session. Every
  // session's Wakeup shares it, so it outlives the io_context for as long as any of them does.
  std::shared_ptr<WakeQueue> wakes;
  // One thread runs it, and every socket and timer of the loop is used on that thread only;
  // other threads only post to it. So the reactor's per-socket locking can go: UNSAFE_IO keeps
  // the scheduler's lock (for those posts) and drops the I/O one, two lock pairs per request.
  boost::asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  Acceptor acceptor{ioc.get_executor()};
  Timer sweep{ioc.get_executor()};  // drives SweepIdle
};

// Serves one connection until it closes; registers itself in `loop` while alive.
// `connection_slot` is the connection's place under its address's cap, held until it closes.
Awaitable<> RunSession(Socket socket, ServerShared& shared, Loop& loop,
                       AddressSlots::Slot connection_slot);

// Closes the loop's connections that waited for a request past their idle_deadline, checking
// every `interval`, until loop.sweep is cancelled. One timer per loop instead of one armed per
// request: waiting connections need no timer of their own.
Awaitable<> SweepIdle(ServerShared& shared, Loop& loop, std::chrono::milliseconds interval);

// Accepts on loop.acceptor until it is closed.
Awaitable<> RunAcceptor(ServerShared& shared, Loop& loop);

}  // namespace psm::http::detail
