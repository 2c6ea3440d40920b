// Response serialisation: HTTP/1.1 keep-alive answers as text in one send, Beast for HTTP/1.0,
// HEAD and Connection: close, and chunked SSE streams. Bodies are never copied.
#include "http/response_writer.hpp"

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/prepared_response.hpp"
#include "http/sse.hpp"

namespace psm::http::detail {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

template <class Fields>
void SetHeaders(Fields& msg, const ServerOptions& options, const Response& response) {
  msg.set(bhttp::field::server, "psm");
  const HttpDate date = CurrentHttpDate();
  msg.set(bhttp::field::date, boost::beast::string_view(date.text.data(), date.text.size()));
  if (!response.content_type.empty()) msg.set(bhttp::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers)
    msg.insert(name, value);
  for (const auto& [name, value] : options.default_headers) {
    if (msg.find(name) == msg.end()) msg.insert(name, value);
  }
}

// One send on the non-blocking socket (see RunSession): the bytes it took, 0 when its buffer is
// full, or a connection error in `ec`.
template <class Buffers>
std::size_t SendNow(Stream& stream, const Buffers& buffers, error_code& ec) {
  const std::size_t sent = stream.socket().write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  return ec ? 0 : sent;
}

// Writes `pieces` in order (a head, maybe in parts, and last the body). What fits the send
// buffer, i.e. almost every answer, goes out here and now in one send, without a timer or a trip
// through the loop; only the rest waits for the socket, under the write timeout. `already_sent`:
// that send was made already and took so many bytes. The pieces before the last may point at
// memory that changes while this waits (the thread's cached Date), so what is left of them is
// copied first; the last (the body) must outlive the write.
template <std::size_t N>
Awaitable<error_code> WritePieces(Stream& stream, const ServerOptions& options,
                                  std::array<std::string_view, N> pieces,
                                  std::optional<std::size_t> already_sent) {
  static_assert(N >= 2);
  error_code ec;
  std::size_t total = 0;
  for (const std::string_view p : pieces)
    total += p.size();
  std::size_t sent;
  if (already_sent) {
    sent = *already_sent;
  } else {
    std::array<asio::const_buffer, N> all;
    for (std::size_t i = 0; i < N; ++i)
      all[i] = asio::buffer(pieces[i].data(), pieces[i].size());
    sent = SendNow(stream, all, ec);
    if (ec || sent == total) co_return ec;
  }
  std::string head_rest;
  for (std::size_t i = 0; i + 1 < N; ++i) {
    const std::size_t skip = std::min(sent, pieces[i].size());
    head_rest.append(pieces[i].substr(skip));
    sent -= skip;
  }
  const std::string_view body = pieces[N - 1].substr(std::min(sent, pieces[N - 1].size()));
  stream.expires_after(options.write_timeout);
  const std::array<asio::const_buffer, 2> rest{asio::buffer(head_rest.data(), head_rest.size()),
                                               asio::buffer(body.data(), body.size())};
  co_await asio::async_write(stream, rest, asio::redirect_error(kAwait, ec));
  co_return ec;
}

bool IsPlain(WriteContext ctx) {
  return ctx.version == 11 && ctx.keep_alive && !ctx.head_only;
}

Awaitable<error_code> WriteStreamHeader(Stream& stream, const ServerOptions& options,
                                        const Response& response, WriteContext ctx) {
  error_code ec;
  bhttp::response<bhttp::empty_body> msg;
  msg.version(ctx.version);
  msg.result(bhttp::status::ok);
  SetHeaders(msg, options, response);
  msg.set(bhttp::field::content_type, "text/event-stream");
  msg.set(bhttp::field::cache_control, "no-cache");
  msg.set("X-Accel-Buffering", "no");
  if (ctx.version >= 11) {
    msg.chunked(true);
  } else {
    msg.keep_alive(false);
  }
  bhttp::response_serializer<bhttp::empty_body> sr(msg);
  stream.expires_after(options.write_timeout);
  co_await bhttp::async_write_header(stream, sr, asio::redirect_error(kAwait, ec));
  co_return ec;
}

// Writes pre-framed SSE bytes (the chunk framing is part of each event's shared bytes).
Awaitable<error_code> WritePending(Stream& stream, bool chunked, const SsePendingWrite& pending,
                                   std::chrono::milliseconds timeout) {
  iovec iov[SseBatch::kMax];
  std::size_t n = SseLoop::Buffers(pending, chunked, iov);
  std::array<asio::const_buffer, SseBatch::kMax> buffers;
  for (std::size_t i = 0; i < n; ++i)
    buffers[i] = asio::const_buffer(iov[i].iov_base, iov[i].iov_len);
  error_code ec;
  stream.expires_after(timeout);
  co_await asio::async_write(stream, std::span<const asio::const_buffer>(buffers.data(), n),
                             asio::redirect_error(kAwait, ec));
  co_return ec;
}

}  // namespace

ImmediateWrite WritePreparedNow(Stream& stream, const Response& response, WriteContext ctx) {
  ImmediateWrite out;
  if (!response.prepared || !IsPlain(ctx)) return out;
  out.date = CurrentHttpDate();
  const auto pieces = DatedPieces(*response.prepared, out.date);
  const std::array<asio::const_buffer, 3> buffers{asio::buffer(pieces[0].data(), pieces[0].size()),
                                                  asio::buffer(pieces[1].data(), pieces[1].size()),
                                                  asio::buffer(pieces[2].data(), pieces[2].size())};
  out.sent = SendNow(stream, buffers, out.ec);
  out.finished = out.ec || *out.sent == response.prepared->wire.size();
  return out;
}

Awaitable<error_code> WriteResponse(Stream& stream, const ServerOptions& options,
                                    const Response& response, WriteContext ctx,
                                    const ImmediateWrite* tried) {
  // HTTP/1.1 keep-alive answers, i.e. almost all of them, skip Beast's serializer: their head is
  // written as text and goes out with the body in one send.
  const bool plain = IsPlain(ctx);
  if (response.prepared) {
    if (plain) {
      // The rest of a send WritePreparedNow began carries the date it began with.
      const bool began = tried && tried->sent;
      const HttpDate date = began ? tried->date : CurrentHttpDate();
      co_return co_await WritePieces(stream, options, DatedPieces(*response.prepared, date),
                                     began ? tried->sent : std::nullopt);
    }
    co_return co_await WriteResponse(stream, options, response.prepared->response, ctx);
  }
  const std::string& body = *response.body;
  const bool has_body = ResponseHasBody(response.status);
  if (plain) {
    std::string head;
    head.reserve(256);
    AppendResponseHead(head, response, options.default_headers, body.size(), CurrentHttpDate());
    co_return co_await WritePieces(
        stream, options,
        std::array<std::string_view, 2>{head,
                                        has_body ? std::string_view(body) : std::string_view()},
        std::nullopt);
  }
  error_code ec;
  bhttp::response<bhttp::span_body<const char>> msg;
  msg.version(ctx.version);
  msg.result(response.status);
  SetHeaders(msg, options, response);
  msg.keep_alive(ctx.keep_alive);
  if (has_body) msg.content_length(body.size());
  stream.expires_after(options.write_timeout);
  if (!has_body || ctx.head_only) {
    bhttp::response_serializer<bhttp::span_body<const char>> sr(msg);
    co_await bhttp::async_write_header(stream, sr, asio::redirect_error(kAwait, ec));
  } else {
    msg.body() = boost::beast::span<const char>(body.data(), body.size());
    co_await bhttp::async_write(stream, msg, asio::redirect_error(kAwait, ec));
  }
  co_return ec;
}

Awaitable<> StreamEvents(Stream& stream, ServerShared& shared, const Response& response,
                         WriteContext ctx, Timer& timer) {
  const ServerOptions& options = shared.options;
  SseSubscription& sub = *response.stream;
  // HTTP/1.1 gets chunked framing; HTTP/1.0 gets a close-delimited body.
  const bool chunked = ctx.version >= 11;
  // A separate coroutine, so the header message and serializer do not stay in this frame.
  error_code ec = co_await WriteStreamHeader(stream, options, response, ctx);

  shared.sse_gauge->Add(1);
  SseLoop::Stream node;
  node.sub = &sub;
  node.fd = stream.socket().native_handle();
  node.chunked = chunked;
  node.timer = &timer;
  SseLoop::Registration registration(SseLoop::For(sub, stream.get_executor()), &node);
  while (!ec) {
    if (node.pending) {
      // Finish what the loop could not write (or the catch-up below) before anything else, so
      // a chunk is never left half-written.
      ec = co_await WritePending(stream, chunked, *node.pending, options.write_timeout);
      node.pending.reset();
      continue;
    }
    if (shared.stopping.load()) break;
    if (registration.loop().TakePending(node) != SseSubscription::State::kOpen) break;
    if (node.pending) continue;
    // Caught up: sleep until the loop's walk meets something it cannot write by itself, the
    // stream ends, or Stop() cancels the timer. The walk writes events and keep-alives.
    node.parked = true;
    timer.expires_at(Timer::time_point::max());
    error_code wait_ec;
    co_await timer.async_wait(asio::redirect_error(kAwait, wait_ec));
    node.parked = false;
  }
  sub.Close();
  shared.sse_gauge->Add(-1);
  if (!ec && chunked) {
    stream.expires_after(options.write_timeout);
    co_await asio::async_write(stream, bhttp::make_chunk_last(), asio::redirect_error(kAwait, ec));
  }
}

}  // namespace psm::http::detail
