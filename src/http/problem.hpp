// The one mapping from psm::Error to HTTP status and RFC 7807 problem+json, plus the problems the
// server itself produces (400, 404, 405, 413, 415, 431, 429, 503).
//
// `type` URIs: "https://psm.invalid/problems/<reason>", where <reason> is the Error's machine
// reason (e.g. "turnout_decreased") or, for server-made problems, a fixed word ("not_found",
// "method_not_allowed", ...). ".invalid" is a reserved TLD, so the URI identifies the problem
// kind without pretending a page exists. An empty suffix gives "about:blank" (RFC 7807 §4.2).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/response.hpp"

namespace psm::http {

inline constexpr std::string_view kProblemTypeBase = "https://psm.invalid/problems/";

// "https://psm.invalid/problems/<suffix>", or "about:blank" when `suffix` is empty. Characters
// outside [a-z0-9_-] (after lower-casing) become '_' so a reason can never break the URI.
std::string ProblemTypeUri(std::string_view suffix);

// The HTTP status for an error code: kInvalid→422, kConflict→409, kNotFound→404,
// kUnauthorized→401, kForbidden→403, kLocked→429, kUnavailable→503, kInternal→500.
unsigned StatusFor(ErrorCode code);

// A problem response for `error`. 401 carries `WWW-Authenticate: Bearer`; 429 and 503 carry
// `Retry-After` when `retry_after` (or else the error's own retry_after) is positive. A kInternal
// detail is replaced by a generic sentence so internals never leak to clients (log the error before
// calling this).
Response ProblemFor(const Error& error, std::chrono::seconds retry_after = std::chrono::seconds{0});

// The fields ProblemFor writes for `error`, for a problem nested in a larger answer (one result
// of a report batch), so it reads the same as the problem a single request would get.
struct ProblemFields {
  unsigned status = 500;
  std::string title;
  std::string type;  // the full URI
  std::string detail;
};
ProblemFields ProblemFieldsFor(const Error& error);

// 400: the request is syntactically malformed (bad JSON, bad HTTP, bad escape).
Response BadRequest(std::string detail);
// 404: no route for this path.
Response NotFoundProblem(std::string_view path);
// 405 with `Allow: <allow>` (e.g. "GET, HEAD").
Response MethodNotAllowed(std::string allow);
// 415: the body is not of a type the route takes (e.g. not application/json).
Response UnsupportedMediaType(std::string detail);
// 413: the body exceeded the route's limit.
Response PayloadTooLarge(std::size_t limit);
// 431: the request header exceeded the server's limit.
Response HeaderTooLarge();
// 400 (kUnframed) or 501 (kUnsupported) for a request's Transfer-Encoding (framing.hpp), with
// Connection: close: the body cannot be read, so nothing after it can be either.
Response TransferCodingRefused(bool unsupported);
// 429 with Retry-After (at least 1 s) from the limit named `limit` ("lookup", "login",
// "connections", "streams", "token"): type ".../rate_limited_<limit>", so a client can tell the
// limits apart. `detail` should say what was limited and how much is allowed.
Response TooManyRequests(std::string_view limit, std::chrono::seconds retry_after,
                         std::string detail);
// 503 with Retry-After, e.g. when shutting down or over the connection limit.
Response Unavailable(std::string detail,
                     std::chrono::seconds retry_after = std::chrono::seconds{1});

}  // namespace psm::http
