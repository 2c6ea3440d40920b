// Response serialisation: shared bodies via span_body (no copy), HEAD, and chunked SSE streams.
#include "http/response_writer.hpp"

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

bool StatusHasNoBody(unsigned status) {
  return status == 204 || status == 304 || (status >= 100 && status < 200);
}

Awaitable<error_code> WriteData(Stream& stream, bool chunked,
                                const std::vector<asio::const_buffer>& data,
                                std::chrono::milliseconds timeout) {
  error_code ec;
  stream.expires_after(timeout);
  if (chunked) {
    co_await asio::async_write(stream, bhttp::make_chunk(data), asio::redirect_error(kAwait, ec));
  } else {
    co_await asio::async_write(stream, data, asio::redirect_error(kAwait, ec));
  }
  co_return ec;
}

}  // namespace

Awaitable<error_code> WriteResponse(Stream& stream, const ServerOptions& options,
                                    const Response& response, WriteContext ctx) {
  error_code ec;
  bhttp::response<bhttp::span_body<const char>> msg;
  msg.version(ctx.version);
  msg.result(response.status);
  SetHeaders(msg, options, response);
  msg.keep_alive(ctx.keep_alive);
  const std::string& body = *response.body;
  bool no_body = StatusHasNoBody(response.status);
  if (!no_body) msg.content_length(body.size());
  stream.expires_after(options.write_timeout);
  if (no_body || ctx.head_only) {
    bhttp::response_serializer<bhttp::span_body<const char>> sr(msg);
    co_await bhttp::async_write_header(stream, sr, asio::redirect_error(kAwait, ec));
  } else {
    msg.body() = boost::beast::span<const char>(body.data(), body.size());
    co_await bhttp::async_write(stream, msg, asio::redirect_error(kAwait, ec));
  }
  co_return ec;
}

Awaitable<> StreamEvents(Stream& stream, ServerShared& shared, const Response& response,
                         WriteContext ctx, Timer& timer, const std::shared_ptr<Wakeup>& wakeup) {
  const ServerOptions& options = shared.options;
  SseSubscription& sub = *response.stream;
  error_code ec;
  // HTTP/1.1 gets chunked framing; HTTP/1.0 gets a close-delimited body.
  bool chunked = ctx.version >= 11;
  bhttp::response<bhttp::empty_body> msg;
  msg.version(ctx.version);
  msg.result(bhttp::status::ok);
  SetHeaders(msg, options, response);
  msg.set(bhttp::field::content_type, "text/event-stream");
  msg.set(bhttp::field::cache_control, "no-cache");
  msg.set("X-Accel-Buffering", "no");
  if (chunked) {
    msg.chunked(true);
  } else {
    msg.keep_alive(false);
  }
  bhttp::response_serializer<bhttp::empty_body> sr(msg);
  stream.expires_after(options.write_timeout);
  co_await bhttp::async_write_header(stream, sr, asio::redirect_error(kAwait, ec));

  shared.sse_gauge->Add(1);
  std::vector<SseBytes> batch;
  std::vector<asio::const_buffer> buffers;
  static constexpr std::string_view kKeepalive = ": keepalive\n\n";
  while (!ec && !shared.stopping.load()) {
    batch.clear();
    auto state = sub.Take(&batch, [wakeup] { wakeup->Wake(); });
    if (state != SseSubscription::State::kOpen) break;
    if (!batch.empty()) {
      buffers.clear();
      for (const auto& bytes : batch)
        buffers.emplace_back(asio::buffer(*bytes));
      ec = co_await WriteData(stream, chunked, buffers, options.write_timeout);
      continue;
    }
    timer.expires_after(sub.keepalive());
    error_code wait_ec;
    co_await timer.async_wait(asio::redirect_error(kAwait, wait_ec));
    if (!wait_ec) {
      buffers.assign(1, asio::buffer(kKeepalive.data(), kKeepalive.size()));
      ec = co_await WriteData(stream, chunked, buffers, options.write_timeout);
    }
  }
  sub.Close();
  shared.sse_gauge->Add(-1);
  if (!ec && chunked) {
    stream.expires_after(options.write_timeout);
    co_await asio::async_write(stream, bhttp::make_chunk_last(), asio::redirect_error(kAwait, ec));
  }
}

}  // namespace psm::http::detail
