// A small blocking HTTP/1.1 client over one keep-alive connection (Boost.Beast), with a timeout
// on every connect, write and read and an optional source address. For the simulator; plain
// http:// only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace psm::sim {

struct HttpTarget {
  std::string host;  // a name or an address; an IPv6 address without its brackets
  std::string port;
};

// "http://HOST:PORT" or "http://[IPv6]:PORT" (an optional trailing "/") → host and port; port
// defaults to 80.
Result<HttpTarget> ParseHttpUrl(const std::string& url);

struct HttpResponse {
  int status = 0;
  std::string body;
  int retry_after_s = 0;  // from Retry-After, 0 when absent
};

// The event loop behind blocking clients. Each request runs it until that request is done, so
// the clients one thread uses can share one: a thousand idle connections then cost a thousand
// sockets, not a thousand epoll sets. Not thread-safe; it must outlive its clients.
class HttpLoop {
 public:
  HttpLoop();
  ~HttpLoop();
  HttpLoop(const HttpLoop&) = delete;
  HttpLoop& operator=(const HttpLoop&) = delete;

 private:
  friend class HttpClient;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One connection, reopened when the server closed it. Not thread-safe: one client per thread
// (and the clients sharing a loop on the loop's thread).
class HttpClient {
 public:
  // With a loop of its own, from the address the kernel chooses.
  HttpClient(HttpTarget target, std::chrono::milliseconds timeout);
  // On `loop`, each connection bound to `source_address` (an IPv4 address such as "127.1.0.7";
  // empty: the kernel's choice) before it connects; only IPv4 server addresses are tried then.
  HttpClient(HttpTarget target, std::chrono::milliseconds timeout, HttpLoop& loop,
             std::string source_address);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and blocks for its response (at most about 2 × the timeout per
  // connect, write and read). `body` is sent as application/json when not empty; `bearer` adds
  // an Authorization header. A failure on a reused connection (the server may have closed it
  // while idle) is retried once on a fresh one, so only send requests that are safe to repeat
  // (all of ours are: report ids). Errors: kUnavailable with the transport error (refused,
  // timed out, reset, the source address cannot be bound).
  Result<HttpResponse> Request(const std::string& method, const std::string& target,
                               const std::string& body = "", const std::string& bearer = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether a socket can be bound to `address` here (an address of --source-range outside
// 127/8 must be configured on this machine). kInvalid with the reason when not. Blocks briefly.
Status CheckSourceAddress(const std::string& address);

}  // namespace psm::sim
