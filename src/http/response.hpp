// One HTTP response as handlers build it. Bodies are shared, immutable strings so a pre-rendered
// body (e.g. a Board status) is written without copying. A plain value; not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <boost/container/small_vector.hpp>

namespace psm::http {

class SseSubscription;
struct PreparedResponse;

struct Response {
  using HeaderList = boost::container::small_vector<std::pair<std::string, std::string>, 4>;

  unsigned status = 200;
  // Empty means no Content-Type header (e.g. 204, 304).
  std::string content_type;
  // Never null after a factory but FromPrepared (whose bytes are in `prepared`); may be shared
  // with other responses.
  std::shared_ptr<const std::string> body;
  // Extra headers written as given (ETag, Cache-Control, Allow, Retry-After...).
  HeaderList headers;
  // When set the session answers with the SSE headers and streams this subscription's events
  // until the client goes away, the subscription is dropped, or the server stops.
  std::shared_ptr<SseSubscription> stream;
  // Close the connection after this response even if the client asked for keep-alive.
  bool close = false;
  // When set, the whole answer was serialised in advance (see prepared_response.hpp): the
  // session writes its bytes to HTTP/1.1 keep-alive requests and falls back to its Response
  // otherwise. The fields above then only carry status and close, for logs and metrics (body is
  // null).
  std::shared_ptr<const PreparedResponse> prepared;

  // Adds a header; returns *this for chaining.
  Response& With(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  // application/json with a freshly built body.
  static Response Json(unsigned status, std::string body);
  // A pre-rendered body shared with its owner.
  static Response Shared(unsigned status, std::shared_ptr<const std::string> body,
                         std::string content_type);
  // text/plain; charset=utf-8 unless another type is given (e.g. text/csv).
  static Response Text(unsigned status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // 304 with the ETag repeated, no body.
  static Response NotModified(std::string etag);
  // application/problem+json; see problem.hpp for the `type` URI scheme.
  static Response Problem(unsigned status, std::string title, std::string detail,
                          std::string type_suffix);
  // Answers with `prepared` (never null).
  static Response FromPrepared(std::shared_ptr<const PreparedResponse> prepared);
  // 200 text/event-stream driven by `subscription` (see sse.hpp).
  static Response EventStream(std::shared_ptr<SseSubscription> subscription);
};

}  // namespace psm::http
