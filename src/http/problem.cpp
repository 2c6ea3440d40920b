// Error → HTTP status → problem+json, in one table.
#include "http/problem.hpp"

#include <string>

namespace psm::http {
namespace {

struct CodeInfo {
  unsigned status;
  const char* title;
  const char* type;  // used when the Error has no reason
};

CodeInfo InfoFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return {422, "Unprocessable request", "invalid"};
    case ErrorCode::kConflict:
      return {409, "Conflict", "conflict"};
    case ErrorCode::kNotFound:
      return {404, "Not found", "not_found"};
    case ErrorCode::kUnauthorized:
      return {401, "Unauthorized", "unauthorized"};
    case ErrorCode::kForbidden:
      return {403, "Forbidden", "forbidden"};
    case ErrorCode::kLocked:
      return {429, "Too many requests", "locked"};
    case ErrorCode::kUnavailable:
      return {503, "Service unavailable", "unavailable"};
    case ErrorCode::kInternal:
      break;
  }
  return {500, "Internal server error", "internal"};
}

}  // namespace

std::string ProblemTypeUri(std::string_view suffix) {
  if (suffix.empty()) return "about:blank";
  std::string uri(kProblemTypeBase);
  for (char c : suffix) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    uri.push_back(ok ? c : '_');
  }
  return uri;
}

unsigned StatusFor(ErrorCode code) {
  return InfoFor(code).status;
}

ProblemFields ProblemFieldsFor(const Error& error) {
  const CodeInfo info = InfoFor(error.code);
  ProblemFields f{info.status, info.title,
                  ProblemTypeUri(error.reason.empty() ? info.type : error.reason), error.detail};
  if (error.code == ErrorCode::kInternal) {
    f.detail = "The server failed to handle the request; it has been logged.";
  }
  return f;
}

Response ProblemFor(const Error& error, std::chrono::seconds retry_after) {
  CodeInfo info = InfoFor(error.code);
  std::string detail = error.detail;
  if (error.code == ErrorCode::kInternal) {
    detail = "The server failed to handle the request; it has been logged.";
  }
  std::string type = error.reason.empty() ? info.type : error.reason;
  Response r = Response::Problem(info.status, info.title, std::move(detail), std::move(type));
  if (info.status == 401) r.With("WWW-Authenticate", "Bearer");
  if (retry_after.count() <= 0) retry_after = error.retry_after;
  // A 503 is always worth retrying (the store's disk full, a busy or unreachable store): say when,
  // so clients and nginx back off instead of hammering.
  if (info.status == 503 && retry_after.count() <= 0) retry_after = std::chrono::seconds(1);
  if ((info.status == 429 || info.status == 503) && retry_after.count() > 0) {
    r.With("Retry-After", std::to_string(retry_after.count()));
  }
  return r;
}

Response BadRequest(std::string detail) {
  return Response::Problem(400, "Bad request", std::move(detail), "bad_request");
}

Response NotFoundProblem(std::string_view path) {
  return Response::Problem(404, "Not found", "No resource at " + std::string(path) + ".",
                           "not_found");
}

Response MethodNotAllowed(std::string allow) {
  Response r =
      Response::Problem(405, "Method not allowed", "This resource supports only: " + allow + ".",
                        "method_not_allowed");
  r.With("Allow", std::move(allow));
  return r;
}

Response UnsupportedMediaType(std::string detail) {
  return Response::Problem(415, "Unsupported media type", std::move(detail),
                           "unsupported_media_type");
}

Response PayloadTooLarge(std::size_t limit) {
  Response r = Response::Problem(
      413, "Payload too large",
      "The request body exceeds the limit of " + std::to_string(limit) + " bytes.",
      "payload_too_large");
  r.close = true;
  return r;
}

Response HeaderTooLarge() {
  Response r =
      Response::Problem(431, "Request header fields too large",
                        "The request header exceeds the server's limit.", "header_too_large");
  r.close = true;
  return r;
}

Response TransferCodingRefused(bool unsupported) {
  Response r =
      unsupported
          ? Response::Problem(501, "Not implemented",
                              "psm reads no transfer coding but chunked; send the body with "
                              "Content-Length or Transfer-Encoding: chunked alone.",
                              "transfer_coding")
          : Response::Problem(400, "Bad request",
                              "Transfer-Encoding must end with chunked, once: otherwise the "
                              "body's length is unknown (RFC 9112, section 6.3).",
                              "bad_request");
  r.close = true;
  return r;
}

Response TooManyRequests(std::string_view limit, std::chrono::seconds retry_after,
                         std::string detail) {
  Response r = Response::Problem(429, "Too many requests", std::move(detail),
                                 "rate_limited_" + std::string(limit));
  r.With("Retry-After", std::to_string(std::max<long long>(1, retry_after.count())));
  return r;
}

Response Unavailable(std::string detail, std::chrono::seconds retry_after) {
  Response r = Response::Problem(503, "Service unavailable", std::move(detail), "unavailable");
  r.With("Retry-After", std::to_string(std::max<long long>(1, retry_after.count())));
  return r;
}

}  // namespace psm::http
