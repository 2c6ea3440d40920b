// Internal: serialising a Response (plain or SSE stream) onto a session's stream.
#pragma once

#include <boost/system/error_code.hpp>

#include "http/response.hpp"
#include "http/session.hpp"
#include "http/wakeup.hpp"

namespace psm::http::detail {

struct WriteContext {
  unsigned version = 11;   // 10 or 11
  bool keep_alive = true;  // sets Connection: close when false
  bool head_only = false;  // HEAD: headers (with Content-Length) but no body
};

// Writes `response` in one go. Returns the write error (empty on success). `already_sent` is what
// WritePreparedNow sent of the same response before it had to stop.
Awaitable<boost::system::error_code> WriteResponse(Stream& stream, const ServerOptions& options,
                                                   const Response& response, WriteContext ctx,
                                                   std::size_t already_sent = 0);

struct ImmediateWrite {
  bool finished = false;  // all sent, or the connection failed (`ec`)
  std::size_t sent = 0;   // when not finished: pass to WriteResponse as `already_sent`
  boost::system::error_code ec;
};

// The common case without a coroutine frame: a prepared answer to an HTTP/1.1 keep-alive request
// goes out in one send if the socket's buffer takes it. Anything else is left unfinished, with
// nothing sent, for WriteResponse.
ImmediateWrite WritePreparedNow(Stream& stream, const Response& response, WriteContext ctx);

// Writes the SSE headers and then the subscription's events until the client goes away, the
// subscription ends or overflows, or the server stops. Parks on `timer` while its loop's
// SseLoop writes events and keep-alives directly; Stop() cancels `timer` to end the stream.
// Always leaves the subscription closed.
Awaitable<> StreamEvents(Stream& stream, ServerShared& shared, const Response& response,
                         WriteContext ctx, Timer& timer);

}  // namespace psm::http::detail
