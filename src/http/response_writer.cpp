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

// Writes `head` then `body`. What fits the send buffer, i.e. almost every answer, goes out here
// and now in one send, without a timer or a trip through the loop; only the rest waits for the
// socket, under the write timeout. `already_sent`: that send was made already and took so many
// bytes.
Awaitable<error_code> WriteHeadAndBody(Stream& stream, const ServerOptions& options,
                                       std::string_view head, std::string_view body,
                                       std::optional<std::size_t> already_sent) {
  error_code ec;
  std::size_t sent;
  if (already_sent) {
    sent = *already_sent;
  } else {
    const std::array<asio::const_buffer, 2> both{asio::buffer(head.data(), head.size()),
                                                 asio::buffer(body.data(), body.size())};
    sent = SendNow(stream, both, ec);
    if (ec || sent == head.size() + body.size()) co_return ec;
  }
  stream.expires_after(options.write_timeout);
  if (sent < head.size()) {
    const std::array<asio::const_buffer, 2> rest{
        asio::buffer(head.data() + sent, head.size() - sent),
        asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream, rest, asio::redirect_error(kAwait, ec));
  } else {
    sent -= head.size();
    co_await asio::async_write(stream, asio::buffer(body.data() + sent, body.size() - sent),
                               asio::redirect_error(kAwait, ec));
  }
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
  const std::string& wire = response.prepared->wire;
  out.sent = SendNow(stream, asio::buffer(wire.data(), wire.size()), out.ec);
  out.finished = out.ec || *out.sent == wire.size();
  return out;
}

Awaitable<error_code> WriteResponse(Stream& stream, const ServerOptions& options,
                                    const Response& response, WriteContext ctx,
                                    std::optional<std::size_t> already_sent) {
  // HTTP/1.1 keep-alive answers, i.e. almost all of them, skip Beast's serializer: their head is
  // written as text and goes out with the body in one send.
  const bool plain = IsPlain(ctx);
  if (response.prepared) {
    if (plain) {
      co_return co_await WriteHeadAndBody(stream, options, response.prepared->wire, {},
                                          already_sent);
    }
    co_return co_await WriteResponse(stream, options, response.prepared->response, ctx);
  }
  const std::string& body = *response.body;
  const bool has_body = ResponseHasBody(response.status);
  if (plain) {
    std::string head;
    head.reserve(256);
    AppendResponseHead(head, response, options.default_headers, body.size());
    co_return co_await WriteHeadAndBody(stream, options, head,
                                        has_body ? std::string_view(body) : std::string_view(),
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
