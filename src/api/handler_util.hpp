// What the endpoint files share: the http names they use, the 422 error for a bad field and
// strict parsing of numbers in paths and query strings (core/text.hpp's ParseInt).
#pragma once

#include <string>

#include <boost/beast/http/verb.hpp>

#include "core/result.hpp"
#include "core/text.hpp"
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

}  // namespace psm::api
