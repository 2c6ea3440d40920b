// Internal: serialising a Response (plain or SSE stream) onto a session's stream.
#pragma once

#include <cstddef>
#include <optional>

#include <boost/system/error_code.hpp>

#include "http/http_date.hpp"
#include "http/response.hpp"
#include "http/session.hpp"
#include "http/sse_loop.hpp"
#include "http/wakeup.hpp"

namespace psm::http::detail {

struct WriteContext {
  unsigned version = 11;   // 10 or 11
  bool keep_alive = true;  // sets Connection: close when false
  bool head_only = false;  // HEAD: headers (with Content-Length) but no body
};

struct ImmediateWrite {
  bool finished = false;            // all sent, or the connection failed (`ec`)
  std::optional<std::size_t> sent;  // bytes sent; nullopt when no send was tried
  boost::system::error_code ec;
  HttpDate date;  // the Date the send carried, so the rest of the answer carries the same
};

// Writes `response` in one go. Returns the write error (empty on success). `tried` is what
// WritePreparedNow did with the same response first: its send is not repeated, and only the
// rest is written.
Awaitable<boost::system::error_code> WriteResponse(Stream& stream, const ServerOptions& options,
                                                   const Response& response, WriteContext ctx,
                                                   const ImmediateWrite* tried = nullptr);

// The common case without a coroutine frame: a prepared answer to an HTTP/1.1 keep-alive request
// goes out in one send if the socket's buffer takes it. Anything else is left unfinished, with
// no send tried, for WriteResponse.
ImmediateWrite WritePreparedNow(Stream& stream, const Response& response, WriteContext ctx);

// Writes the SSE headers and then the subscription's events until the client goes away, the
// subscription ends or overflows, or the server stops. Parks on `timer` while its loop's
// SseLoop writes events and keep-alives directly; Stop() cancels `timer` to end the stream.
// Always leaves the subscription closed.
Awaitable<> StreamEvents(Stream& stream, ServerShared& shared, const Response& response,
                         WriteContext ctx, Timer& timer);

}  // namespace psm::http::detail
