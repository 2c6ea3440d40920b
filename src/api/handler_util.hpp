// What the endpoint files share: the http names they use, the 422 error for a bad field and
// strict parsing of numbers in paths and query strings.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/beast/http/verb.hpp>

#include "core/result.hpp"
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

// The whole of `s` as a T, or nullopt: no leading spaces or '+', no trailing bytes, no overflow.
template <class T>
std::optional<T> ParseNumber(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace psm::api
