// Test support: hands one request to a Router's handler as the server's session would after
// parsing it, and waits for the reply, from whichever thread sends it. No sockets.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include "http/prepared_response.hpp"
#include "http/router.hpp"

namespace psm::api::testing {

struct TestRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;  // "/api/v1/stations?ac=34", encoded as on the wire
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The client address after X-Forwarded-For resolution; also its limit key (IPv4).
  std::string client_ip = "192.0.2.10";
};

// What a client would read back. status 0 means no answer: the handler neither replied within
// the timeout nor dropped every copy of its Reply (which the server answers 500; see `dropped`).
struct TestResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as written, in order
  std::string body;
  bool dropped = false;  // every Reply was destroyed without an answer
  bool stream = false;   // an event stream; its events are not read

  // The first value of header `name` (case-insensitive), or "" when absent.
  std::string Header(std::string_view name) const;
  // The body as JSON; a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json Json() const;
  // For a problem+json body: the reason its `type` ends with ("unknown_station"), else "".
  std::string ProblemReason() const;
};

// Routes `request` (404 and 405 answered as the session answers them), calls the handler and
// waits up to `timeout` for its reply. The reply is serialised as the server would write it to
// an HTTP/1.1 keep-alive client (with `defaults` added) and parsed back, so prepared answers and
// answers built per request are read alike. Blocks the calling thread.
TestResponse Dispatch(const http::Router& router, const TestRequest& request,
                      const http::DefaultHeaders& defaults,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace psm::api::testing
