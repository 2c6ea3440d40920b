// RFC 9112 §6.3: a request whose transfer codings do not end with chunked cannot be framed, and
// reading its body as absent would parse that body as the next request (request smuggling).
#include "http/framing.hpp"

#include <boost/beast/core/string.hpp>

#include <string_view>
#include <vector>

namespace psm::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

TransferCoding RequestTransferCoding(const boost::beast::http::fields& fields) {
  namespace bhttp = boost::beast::http;
  const auto [first, last] = fields.equal_range(bhttp::field::transfer_encoding);
  if (first == last) return TransferCoding::kNone;
  std::vector<std::string_view> codings;
  for (auto it = first; it != last; ++it) {
    std::string_view list(it->value().data(), it->value().size());
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view element = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      element = Trim(element.substr(0, element.find(';')));
      if (!element.empty()) codings.push_back(element);
    }
  }
  const auto is_chunked = [](std::string_view c) {
    return boost::beast::iequals(boost::beast::string_view(c.data(), c.size()), "chunked");
  };
  if (codings.empty() || !is_chunked(codings.back())) return TransferCoding::kUnframed;
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (is_chunked(codings[i])) return TransferCoding::kUnframed;  // chunked at most once
  }
  return codings.size() == 1 ? TransferCoding::kChunked : TransferCoding::kUnsupported;
}

}  // namespace psm::http
