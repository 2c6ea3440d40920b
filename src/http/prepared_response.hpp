// A response serialised once and written many times: the exact HTTP/1.1 keep-alive bytes the
// server would produce for it, so hot read paths skip per-request header building.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/response.hpp"

namespace psm::http {

using DefaultHeaders = std::vector<std::pair<std::string, std::string>>;

struct PreparedResponse {
  Response response;  // what the bytes say, for requests the bytes do not fit
  std::string wire;   // status line, headers (Server, Content-Type, own, defaults), body
};

// Serialises `response` as an HTTP/1.1 keep-alive answer with the server's `defaults` added
// where the response does not set the same header, byte for byte as the session would write it.
// Not for event streams.
std::shared_ptr<const PreparedResponse> Prepare(Response response, const DefaultHeaders& defaults);

// Appends the status line and headers of `response` as an HTTP/1.1 keep-alive answer whose body
// has `body_size` bytes (Content-Length is left out for statuses that carry no body), ending
// with the blank line. Prepare() and the session's writer both serialise through this.
void AppendResponseHead(std::string& out, const Response& response, const DefaultHeaders& defaults,
                        std::size_t body_size);

// Whether a response with `status` may carry a body (not 1xx, 204 or 304).
bool ResponseHasBody(unsigned status);

// The reason phrase the server writes for `status` ("OK", "Not Modified", …).
std::string_view ReasonPhrase(unsigned status);

}  // namespace psm::http
