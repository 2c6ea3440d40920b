// One parsed HTTP request as handlers see it: decoded path, query, headers, body, client address.
// Plain value owned by the session for the duration of one exchange; not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

namespace psm::http {

// Decodes %XX escapes (and '+' as space when `plus_as_space`). Returns nullopt for a truncated or
// non-hex escape, an encoded NUL, or a result that is not UTF-8, so malformed input becomes a 400
// rather than a guess.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// The 400 detail for a target SetTarget refused: which part of it is not percent-encoded UTF-8
// (the path, or the query parameter it names), so a client can tell what to fix.
std::string BadTargetDetail(std::string_view target);

// `{name}` captures of a matched route pattern: names point into the Router's pattern storage,
// which outlives every request; values are decoded.
using RouteParams = std::vector<std::pair<std::string_view, std::string>>;

class Request {
 public:
  using Fields = boost::beast::http::fields;
  using Clock = std::chrono::steady_clock;

  Request() = default;

  // Splits `target` ("/path?query") into a decoded path and decoded query parameters. Returns
  // false when the target is not origin-form ("/..."), has a malformed escape or decodes to
  // bytes that are not UTF-8.
  bool SetTarget(std::string_view target);

  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  Fields headers;
  std::string body;
  // The client address after X-Forwarded-For resolution (see client_ip.hpp), e.g. "203.0.113.7".
  std::string client_ip;
  // What per-address limits count this client under: client_ip, or its /64 for IPv6 (LimitKey).
  std::string client_key;
  // When the request header was complete; for latency measurements.
  Clock::time_point received_at{};

  // The raw request-target as sent, e.g. "/api/v1/stations?q=nak%20odar".
  const std::string& target() const { return target_; }
  // The percent-decoded path without the query, e.g. "/api/v1/stations".
  const std::string& path() const { return path_; }

  // The first value of query parameter `name`, decoded ('+' is a space); nullopt when absent.
  // A parameter without '=' ("?flag") has an empty value. The view lives as long as the request.
  std::optional<std::string_view> Query(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& QueryParams() const { return query_; }

  // The value of header `name` (case-insensitive); empty when absent. With repeated headers this
  // is the first one; use `headers.equal_range` for all.
  std::string_view Header(std::string_view name) const;
  // Whether Content-Type names `media_type` ("application/json"): compared without case, with
  // parameters such as charset allowed (RFC 9110 §8.3.1).
  bool ContentTypeIs(std::string_view media_type) const;

  // The value captured by `{name}` in the matched route pattern; empty when there is none.
  std::string_view Param(std::string_view name) const;
  // Filled by the router on a match (see Router::Match); kept between requests for its capacity.
  RouteParams* mutable_params() { return &params_; }

 private:
  std::string target_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  RouteParams params_;
};

}  // namespace psm::http
