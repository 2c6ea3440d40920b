// What the endpoint files share: the http names they use, the 422 error for a bad field and
// strict parsing of numbers in paths and query strings (core/text.hpp's ParseInt).
#pragma once

#include <optional>
#include <string>

#include <boost/beast/http/verb.hpp>

#include "core/result.hpp"
#include "core/text.hpp"
#include "http/problem.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace psm::api {

using http::Reply;
using http::Request;
using http::Response;
using verb = boost::beast::http::verb;

// kInvalid (422): `reason` is the snake_case key, `detail` the sentence for the client.
inline Error Invalid(std::string reason, std::string detail) {
  return Error::Invalid(std::move(reason), std::move(detail));
}

// 415 unless the request declares its body as JSON (Content-Type application/json, any case).
inline std::optional<Response> RefuseUnlessJson(const Request& req) {
  if (req.ContentTypeIs("application/json")) return std::nullopt;
  return http::UnsupportedMediaType("send the body as Content-Type: application/json");
}

}  // namespace psm::api
