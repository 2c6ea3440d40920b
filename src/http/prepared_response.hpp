// A response serialised once and written many times: the exact HTTP/1.1 keep-alive bytes the
// server would produce for it, so hot read paths skip per-request header building.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_date.hpp"
#include "http/response.hpp"

namespace psm::http {

using DefaultHeaders = std::vector<std::pair<std::string, std::string>>;

struct PreparedResponse {
  Response response;  // what the bytes say, for requests the bytes do not fit
  std::string wire;   // status line, headers (Server, Date, Content-Type, own, defaults), body
  // Where the Date header's value starts in `wire`: kHttpDateSize bytes, the second the answer
  // was prepared, which every write replaces with the current one (DatedPieces).
  std::size_t date_at = 0;
};

// `prepared`'s bytes as written now: up to the date, `date`, and the rest (the body included).
// The pieces point into `prepared` and `date`.
std::array<std::string_view, 3> DatedPieces(const PreparedResponse& prepared, const HttpDate& date);

// Serialises `response` as an HTTP/1.1 keep-alive answer with the server's `defaults` added
// where the response does not set the same header, byte for byte as the session would write it.
// Not for event streams.
std::shared_ptr<const PreparedResponse> Prepare(Response response, const DefaultHeaders& defaults);

// Appends the status line and headers of `response` as an HTTP/1.1 keep-alive answer whose body
// has `body_size` bytes (Content-Length is left out for statuses that carry no body), dated
// `date`, ending with the blank line. Prepare() and the session's writer both serialise through
// this. Returns where the Date header's value starts in `out`.
std::size_t AppendResponseHead(std::string& out, const Response& response,
                               const DefaultHeaders& defaults, std::size_t body_size,
                               const HttpDate& date);

// Whether a response with `status` may carry a body (not 1xx, 204 or 304).
bool ResponseHasBody(unsigned status);

// The reason phrase the server writes for `status` ("OK", "Not Modified", …).
std::string_view ReasonPhrase(unsigned status);

}  // namespace psm::http
