// A small blocking HTTP/1.1 client over one keep-alive connection (Boost.Beast sync API), with a
// timeout on every connect, write and read. For the simulator; plain http:// only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace psm::sim {

struct HttpTarget {
  std::string host;
  std::string port;
};

// "http://HOST:PORT" (an optional trailing "/") → host and port; port defaults to 80.
Result<HttpTarget> ParseHttpUrl(const std::string& url);

struct HttpResponse {
  int status = 0;
  std::string body;
  int retry_after_s = 0;  // from Retry-After, 0 when absent
};

// One connection, reopened when the server closed it. Not thread-safe: one client per thread.
class HttpClient {
 public:
  HttpClient(HttpTarget target, std::chrono::milliseconds timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and blocks for its response (at most about 2 × the timeout). `body` is
  // sent as application/json when not empty; `bearer` adds an Authorization header. A failure
  // on a reused connection (the server may have closed it while idle) is retried once on a
  // fresh one, so only send requests that are safe to repeat (all of ours are: report ids).
  // Errors: kUnavailable with the transport error (refused, timed out, reset).
  Result<HttpResponse> Request(const std::string& method, const std::string& target,
                               const std::string& body = "", const std::string& bearer = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace psm::sim
