// One connection: read a request with a fresh parser, dispatch it, wait for its reply (from any
// thread), write the response, repeat while keep-alive. Pipelined requests are answered in
// order simply because they are handled one at a time from the same buffer.
#include "http/session.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/framing.hpp"
#include "http/limit_refusals.hpp"
#include "http/problem.hpp"
#include "http/response_writer.hpp"
#include "http/sse.hpp"
#include "http/wakeup.hpp"

namespace psm::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;

// One read from an idle connection: a request header nearly always fits.
constexpr std::size_t kReadChunk = 4096;
// After an error answer, the unread rest of a request is read out in chunks of this size, for
// at most this long and this much, so the close does not reset the answer in flight.
constexpr std::size_t kLingerChunk = 4096;
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerMaxBytes = 1u << 20;
// A client refused another event stream may try again after this.
constexpr std::chrono::seconds kStreamsRetryAfter{5};

// Where a handler's reply lands. One per session, reused for each request in turn. The replying
// thread fills `response`, then publishes it through `state`; the session reads it only after
// seeing kFull, and empties the slot before its next request can be answered.
struct ReplySlot {
  enum State : int {
    kEmpty,
    kWaiting,  // the session is parked on its timer and needs a Wake()
    kFull,
  };
  std::shared_ptr<Wakeup> wakeup;
  std::optional<Response> response;
  std::atomic<int> state{kEmpty};
};

// The receiver behind one request's Reply copies. The first response wins; if every copy is
// dropped without one, the client gets a 500 instead of a hung connection. The session reuses it
// for its next request when no copy outlived the handler call, which is nearly always.
class Replier final : public Reply::Receiver {
 public:
  explicit Replier(std::shared_ptr<ReplySlot> slot) : slot_(std::move(slot)) {}
  ~Replier() override { AnswerIfDropped(); }

  void Complete(Response response) override {
    if (done_.exchange(true)) {
      spdlog::error("http: handler replied twice; second reply ignored");
      return;
    }
    Store(std::move(response));
  }

  // Answers 500 unless a response has come.
  void AnswerIfDropped() {
    if (!done_.exchange(true)) {
      spdlog::error("http: handler dropped its reply; answering 500");
      Store(ProblemFor(Error::Internal("internal", "")));
    }
  }

  // Ready for the session's next request; only while the session holds the sole reference.
  void Rearm() { done_.store(false); }

 private:
  // Called once per request (done_ sees to that), so it never races another Store.
  void Store(Response&& response) {
    slot_->response = std::move(response);
    if (slot_->state.exchange(ReplySlot::kFull, std::memory_order_acq_rel) == ReplySlot::kWaiting)
      slot_->wakeup->Wake();
  }
  std::shared_ptr<ReplySlot> slot_;
  std::atomic<bool> done_{false};
};

// Registers the connection for Stop() and undoes everything when the frame goes away, including
// when an io_context is destroyed with the session still suspended.
class SessionGuard {
 public:
  SessionGuard(ServerShared& shared, Loop& loop, Connection& conn, std::shared_ptr<Wakeup> wakeup,
               AddressSlots::Slot slot)
      : shared_(shared),
        loop_(loop),
        conn_(conn),
        wakeup_(std::move(wakeup)),
        slot_(std::move(slot)) {
    loop_.connections.insert(&conn_);
    shared_.connections_gauge->Add(1);
  }
  ~SessionGuard() {
    wakeup_->Detach();
    loop_.connections.erase(&conn_);
    shared_.connections_gauge->Add(-1);
    std::lock_guard lock(shared_.mu);
    shared_.connections.fetch_sub(1);
    shared_.cv.notify_all();
  }

 private:
  ServerShared& shared_;
  Loop& loop_;
  Connection& conn_;
  std::shared_ptr<Wakeup> wakeup_;
  AddressSlots::Slot slot_;  // the connection's place under its address's cap
};

bool IsHttpSyntaxError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

std::string_view MethodLabel(bhttp::verb v) {
  if (v == bhttp::verb::unknown) return "OTHER";
  auto s = bhttp::to_string(v);
  return std::string_view(s.data(), s.size());
}

Counter& RequestSeries(ServerShared& shared, Loop& loop, std::string_view route, bhttp::verb method,
                       unsigned status) {
  const Loop::SeriesKey key{route.data(), static_cast<unsigned>(method), status};
  if (loop.last_request_series != nullptr && loop.last_request_key == key) {
    return *loop.last_request_series;
  }
  auto it = loop.request_series.find(key);
  if (it == loop.request_series.end()) {
    Counter& series = shared.requests->With({route, MethodLabel(method), std::to_string(status)});
    it = loop.request_series.emplace(key, &series).first;
  }
  loop.last_request_key = key;
  loop.last_request_series = it->second;
  return *it->second;
}

Histogram& DurationSeries(ServerShared& shared, Loop& loop, std::string_view route) {
  if (loop.last_duration_series != nullptr && loop.last_duration_route == route.data()) {
    return *loop.last_duration_series;
  }
  auto it = loop.duration_series.find(route.data());
  if (it == loop.duration_series.end())
    it = loop.duration_series.emplace(route.data(), &shared.durations->With({route})).first;
  loop.last_duration_route = route.data();
  loop.last_duration_series = it->second;
  return *it->second;
}

// Moves the reply into `out` if it has come (true); otherwise marks the slot as waiting for a
// Wake() (false).
bool TakeReply(ReplySlot& slot, std::optional<Response>& out) {
  int state = ReplySlot::kEmpty;
  if (slot.state.compare_exchange_strong(state, ReplySlot::kWaiting, std::memory_order_acq_rel))
    return false;
  if (state == ReplySlot::kWaiting) return false;  // woken, but not by the reply
  out = std::move(slot.response);
  slot.response.reset();
  slot.state.store(ReplySlot::kEmpty, std::memory_order_relaxed);
  return true;
}

// Calls the handler. Most handlers reply before returning: their response comes back at once
// into `out` (true), without a suspension. Otherwise false, and the slot is marked as waiting
// for a Wake(). `replier` is the session's: reused when the last request left no copy of its
// Reply behind.
bool CallHandler(const Handler& handler, Request& request, const std::shared_ptr<ReplySlot>& slot,
                 std::shared_ptr<Replier>& replier, std::optional<Response>& out) {
  if (replier && replier.use_count() == 1) {
    replier->Rearm();
  } else {
    replier = std::make_shared<Replier>(slot);
  }
  try {
    handler(request, Reply(replier));
  } catch (const std::exception& e) {
    spdlog::error("http: handler for {} threw: {}", request.path(), e.what());
  }
  if (replier.use_count() == 1) {
    // Pairs with the release of the other copies' destruction, so their Complete() is seen.
    std::atomic_thread_fence(std::memory_order_acquire);
    replier->AnswerIfDropped();
  } else {
    // A copy lives on to reply later; when the last one goes, the Replier answers if need be.
    replier.reset();
  }
  return TakeReply(*slot, out);
}

// Waits (without blocking the loop) for a reply from another thread.
Awaitable<Response> AwaitReply(const std::shared_ptr<ReplySlot>& slot, Timer& timer) {
  for (;;) {
    error_code ec;
    timer.expires_at(Timer::time_point::max());
    co_await timer.async_wait(asio::redirect_error(kAwait, ec));
    std::optional<Response> reply;
    if (TakeReply(*slot, reply)) co_return std::move(*reply);
  }
}

// After an error response the client may still be sending; reading it out briefly before the
// close avoids a TCP reset that would destroy the response in flight.
Awaitable<> LingeringClose(Stream& stream) {
  error_code ec;
  stream.socket().shutdown(Tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  char scratch[kLingerChunk];
  std::size_t drained = 0;
  stream.expires_after(kLingerTimeout);
  while (drained < kLingerMaxBytes) {
    std::size_t n =
        co_await stream.async_read_some(asio::buffer(scratch), asio::redirect_error(kAwait, ec));
    if (ec) break;
    drained += n;
  }
}

// What the request loop hands back to the session when it ends.
struct LoopEnd {
  bool linger = false;                // unread request bytes may remain: drain before closing
  std::optional<Response> streaming;  // an event stream to serve from here on
  WriteContext stream_ctx;
  AddressSlots::Slot stream_slot;  // the stream's place under its client's cap
};

// The 429 for a client already holding its most event streams.
Response TooManyStreams(ServerShared& shared) {
  std::string detail = "Too many open event streams from this address (limit: streams, at most " +
                       std::to_string(shared.options.max_streams_per_address) +
                       " at once); close one or retry later.";
  if (shared.options.refusals)
    return shared.options.refusals->Refuse(Limit::kStreams, kStreamsRetryAfter, std::move(detail));
  return TooManyRequests(LimitName(Limit::kStreams), kStreamsRetryAfter, std::move(detail));
}

using Parser = bhttp::request_parser<bhttp::string_body>;

// The connection's peer, resolved once; a request's X-Forwarded-For may name another client.
struct Peer {
  asio::ip::address address;
  std::string ip;
  std::string key;  // its rate-limit key (IPv6: the /64)
};

Peer PeerOf(Stream& stream, const ServerShared& shared) {
  error_code ec;
  Peer peer;
  peer.address = ResolveClientIp(stream.socket().remote_endpoint(ec).address(), "", shared.trusted);
  peer.ip = peer.address.to_string();
  peer.key = LimitKey(peer.address);
  return peer;
}

// One request's state while the loop handles it.
struct Exchange {
  WriteContext wctx;
  std::chrono::steady_clock::time_point start;
  std::string_view route_label = "unmatched";
  RouteMatch match;
  std::size_t body_limit = 0;
};

// The answer to a header that could not be read; nullopt when the peer went away (or the read
// timed out), so nobody is there to answer.
std::optional<Response> HeaderReadError(const error_code& ec, const ServerShared& shared) {
  if (ec == bhttp::error::header_limit) return HeaderTooLarge();
  if (ec == bhttp::error::body_limit) return PayloadTooLarge(shared.header_phase_body_limit);
  if (IsHttpSyntaxError(ec)) return BadRequest("Malformed HTTP request: " + ec.message() + ".");
  return std::nullopt;
}

// Reads until `parser` has the whole header, counting it against `limit` from the `parsed` bytes
// it already took. Not Beast's async_read_header: it counts only the bytes it parses itself, so
// the lines the first read had already given the parser went uncounted and a header of nearly
// 12 KiB passed an 8 KiB limit.
Awaitable<> ReadRestOfHeader(Stream& stream, beast::flat_buffer& buffer, Parser& parser,
                             std::size_t limit, std::size_t parsed, error_code& ec) {
  while (ec == bhttp::error::need_more) {
    // What the buffer holds is the unfinished rest of the header.
    if (parsed + buffer.size() > limit) {
      ec = bhttp::error::header_limit;
      co_return;
    }
    const std::size_t n = co_await stream.async_read_some(buffer.prepare(kReadChunk),
                                                          asio::redirect_error(kAwait, ec));
    if (ec) co_return;  // closed, reset or timed out: nobody to answer
    buffer.commit(n);
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    parsed += used;
  }
  if (!ec && parsed > limit) ec = bhttp::error::header_limit;
}

// Starts an exchange from a parsed header: the method, the target and its route, and the body
// limit that route allows. Returns an answer when the request cannot go on.
std::optional<Response> BeginExchange(ServerShared& shared, Parser& parser, Request& req,
                                      Exchange& ex) {
  const auto& header = parser.get();
  ex.start = std::chrono::steady_clock::now();
  req.received_at = ex.start;
  req.method = header.method();
  ex.wctx.version = header.version();
  ex.wctx.keep_alive = header.keep_alive();
  ex.wctx.head_only = req.method == bhttp::verb::head;
  ex.body_limit = shared.options.default_body_limit;
  if (const TransferCoding coding = RequestTransferCoding(header);
      coding == TransferCoding::kUnframed || coding == TransferCoding::kUnsupported) {
    return TransferCodingRefused(coding == TransferCoding::kUnsupported);
  }
  // RFC 9112 section 6.1: HTTP/1.0 has no Transfer-Encoding, so its framing cannot be trusted.
  if (ex.wctx.version < 11 && header.count(bhttp::field::transfer_encoding) != 0)
    return BadRequest(
        "An HTTP/1.0 request cannot have a Transfer-Encoding (RFC 9112, section 6.1).");
  // RFC 9112 section 3.2: without exactly one Host line the request names no one resource.
  if (ex.wctx.version >= 11 && header.count(bhttp::field::host) != 1)
    return BadRequest("An HTTP/1.1 request needs exactly one Host header (RFC 9112, section 3.2).");
  if (!req.SetTarget(std::string_view(header.target().data(), header.target().size())))
    return BadRequest(BadTargetDetail(req.target()));
  ex.match = shared.router.Match(req.method, req.path(), req.mutable_params());
  if (ex.match.kind == RouteMatch::Kind::kFound) {
    ex.route_label = ex.match.route_name;
    if (ex.match.options->body_limit != 0) ex.body_limit = ex.match.options->body_limit;
  }
  if (parser.content_length() && *parser.content_length() > ex.body_limit)
    return PayloadTooLarge(ex.body_limit);
  return std::nullopt;
}

// Reads the rest of the body (after a 100 Continue when asked). `answer` is set when the body
// is refused; false when the peer went away.
Awaitable<bool> ReadBody(Stream& stream, const ServerOptions& opt, beast::flat_buffer& buffer,
                         Parser& parser, std::size_t limit, std::optional<Response>& answer) {
  error_code ec;
  if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream.expires_after(opt.write_timeout);
    co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                               asio::redirect_error(kAwait, ec));
    if (ec) co_return false;
  }
  stream.expires_after(opt.body_timeout);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(kAwait, ec));
  if (ec == bhttp::error::body_limit) {
    answer = PayloadTooLarge(limit);
  } else if (ec && IsHttpSyntaxError(ec)) {
    answer = BadRequest("Malformed HTTP request body: " + ec.message() + ".");
  } else if (ec) {
    co_return false;
  }
  co_return true;
}

// Moves the parsed message into `req` and names its client: the peer, or whom a trusted proxy
// says it forwards.
void TakeMessage(Parser& parser, const Peer& peer, const ServerShared& shared, Request& req) {
  auto message = parser.release();
  req.body = std::move(message.body());
  req.headers = std::move(static_cast<bhttp::fields&>(message.base()));
  const std::string forwarded = ForwardedFor(req.headers);
  if (forwarded.empty()) {
    req.client_ip = peer.ip;
    req.client_key = peer.key;
  } else {
    const auto client = ResolveClientIp(peer.address, forwarded, shared.trusted);
    req.client_ip = client.to_string();
    req.client_key = LimitKey(client);
  }
}

// The answer when no route has the path or the method; nullopt when a handler will answer.
std::optional<Response> AnswerWithoutHandler(const RouteMatch& match, const Request& req) {
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound:
      return NotFoundProblem(req.path());
    case RouteMatch::Kind::kMethodNotAllowed:
      return MethodNotAllowed(match.allow);
    case RouteMatch::Kind::kFound:
      break;
  }
  return std::nullopt;
}

// Counts the request in the metrics and writes its access-log line when asked.
void CountRequest(ServerShared& shared, Loop& loop, const Exchange& ex, const Request& req,
                  unsigned status) {
  RequestSeries(shared, loop, ex.route_label, req.method, status).Inc();
  if (shared.options.access_log) {
    spdlog::info(
        "access {} {} {} {} {:.3f}ms", req.client_ip, MethodLabel(req.method), req.target(), status,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ex.start)
            .count());
  }
}

void ObserveDuration(ServerShared& shared, Loop& loop, const Exchange& ex) {
  DurationSeries(shared, loop, ex.route_label)
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.start).count());
}

// Writes an answer after which the connection cannot be reused (the request may be unread).
Awaitable<> WriteFinal(Stream& stream, const ServerOptions& opt, const Response& res,
                       WriteContext wctx) {
  wctx.keep_alive = false;
  co_await WriteResponse(stream, opt, res, wctx);
}

// Reads, dispatches and answers requests until the connection should close or turns into an
// event stream. Its own coroutine, so the parser, buffers and request of this frame are gone
// before a subscriber's hours of streaming start from RunSession's small frame. The hot path
// (a whole request in one read, answered at once) suspends only in the socket read and write.
Awaitable<LoopEnd> ServeRequests(Stream& stream, ServerShared& shared, Loop& loop, Connection& conn,
                                 const std::shared_ptr<ReplySlot>& slot, Timer& timer) {
  std::shared_ptr<Replier> replier;
  const ServerOptions& opt = shared.options;
  LoopEnd end;
  error_code ec;
  const Peer peer = PeerOf(stream, shared);
  beast::flat_buffer buffer;
  // One Request for the whole connection: each exchange overwrites it, reusing its strings.
  Request req;
  for (bool first = true; !shared.stopping.load(); first = false) {
    conn.phase = Connection::Phase::kIdle;
    if (buffer.size() == 0) {
      // Waiting for the next request, until the loop's sweep closes the connection (the idle
      // timeout, or the header timeout for a new one): a read on the socket itself, without the
      // stream's per-operation timer.
      conn.idle_deadline =
          std::chrono::steady_clock::now() + (first ? opt.header_timeout : opt.idle_timeout);
      const std::size_t n = co_await stream.socket().async_read_some(
          buffer.prepare(kReadChunk), asio::redirect_error(kAwait, ec));
      conn.idle_deadline = std::chrono::steady_clock::time_point::max();
      if (ec) break;  // swept, closed, reset, or the server is stopping
      buffer.commit(n);
    }
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(opt.header_limit));
    parser.body_limit(shared.header_phase_body_limit);
    // Nearly always the whole header arrived with the first read: parse it here, without
    // Beast's composed read, which would post its completion and arm the stream's timer.
    const std::size_t parsed = parser.put(buffer.data(), ec);
    buffer.consume(parsed);
    if (ec == bhttp::error::need_more) {
      stream.expires_after(opt.header_timeout);
      co_await ReadRestOfHeader(stream, buffer, parser, opt.header_limit, parsed, ec);
    }
    conn.phase = Connection::Phase::kBusy;
    Exchange ex;
    std::optional<Response> res;
    if (ec) {
      if (!(res = HeaderReadError(ec, shared))) break;  // nobody to answer
    } else if (!(res = BeginExchange(shared, parser, req, ex))) {
      parser.body_limit(ex.body_limit);
      if (!parser.is_done() && !co_await ReadBody(stream, opt, buffer, parser, ex.body_limit, res))
        break;
    }
    if (res) {  // answered before the body was read: the connection cannot be reused
      co_await WriteFinal(stream, opt, *res, ex.wctx);
      end.linger = true;
      break;
    }
    TakeMessage(parser, peer, shared, req);
    res = AnswerWithoutHandler(ex.match, req);
    if (!res && !CallHandler(*ex.match.handler, req, slot, replier, res))
      res = co_await AwaitReply(slot, timer);
    const bool streams = res->stream && res->status == 200 && !ex.wctx.head_only;
    // An event stream takes a place under its client's cap before it is counted or logged.
    std::optional<AddressSlots::Slot> stream_slot;
    if (streams && !(stream_slot = shared.stream_slots.TryAcquire(req.client_key))) {
      res->stream->Close();
      res = TooManyStreams(shared);
    }
    if (res->close || shared.stopping.load()) ex.wctx.keep_alive = false;
    CountRequest(shared, loop, ex, req, res->status);
    if (stream_slot) {
      conn.phase = Connection::Phase::kStreaming;
      end.stream_slot = std::move(*stream_slot);
      ObserveDuration(shared, loop, ex);
      end.streaming.emplace(std::move(*res));
      end.stream_ctx = ex.wctx;
      break;
    }
    if (res->stream) res->stream->Close();
    const ImmediateWrite now = WritePreparedNow(stream, *res, ex.wctx);
    ec = now.ec;
    if (!now.finished) ec = co_await WriteResponse(stream, opt, *res, ex.wctx, &now);
    ObserveDuration(shared, loop, ex);
    if (ec || !ex.wctx.keep_alive) break;
  }
  co_return end;
}

}  // namespace

Awaitable<> SweepIdle(ServerShared& shared, Loop& loop, std::chrono::milliseconds interval) {
  for (;;) {
    error_code ec;
    loop.sweep.expires_after(interval);
    co_await loop.sweep.async_wait(asio::redirect_error(kAwait, ec));
    if (ec || shared.stopping.load()) co_return;
    const auto now = std::chrono::steady_clock::now();
    for (Connection* conn : loop.connections) {
      if (conn->phase == Connection::Phase::kIdle && conn->idle_deadline <= now) {
        conn->stream->socket().cancel(ec);
      }
    }
  }
}

Awaitable<> RunSession(Socket socket, ServerShared& shared, Loop& loop,
                       AddressSlots::Slot connection_slot) {
  Stream stream(std::move(socket));
  Timer timer(stream.get_executor());
  if (!loop.wakes) loop.wakes = std::make_shared<WakeQueue>(stream.get_executor());
  auto wakeup = std::make_shared<Wakeup>(loop.wakes, &timer);
  Connection conn{Connection::Phase::kIdle, &stream, &timer};
  SessionGuard guard(shared, loop, conn, wakeup, std::move(connection_slot));
  auto reply_slot = std::make_shared<ReplySlot>();
  reply_slot->wakeup = wakeup;

  error_code ec;
  // Lets prepared responses be written synchronously when the send buffer has room; the
  // asynchronous operations behave the same either way.
  stream.socket().non_blocking(true, ec);
  bool linger = false;
  try {
    LoopEnd end = co_await ServeRequests(stream, shared, loop, conn, reply_slot, timer);
    linger = end.linger;
    if (end.streaming) {
      co_await StreamEvents(stream, shared, *end.streaming, end.stream_ctx, timer);
    }
  } catch (const std::exception& e) {
    spdlog::warn("http: session ended by exception: {}", e.what());
  }
  if (linger) {
    co_await LingeringClose(stream);
  } else {
    stream.socket().shutdown(Tcp::socket::shutdown_send, ec);
  }
  stream.socket().close(ec);
}

}  // namespace psm::http::detail
