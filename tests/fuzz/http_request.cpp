// Fuzzes a request head and body as the server reads them: Beast's parser with the server's
// limits, then the checks the session makes before a handler runs (transfer coding, target,
// route, X-Forwarded-For). Input: the raw bytes a client sends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "fuzz_routes.hpp"
#include "http/client_ip.hpp"
#include "http/framing.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const psm::http::Router router = psm::fuzz::ApiRouter();
  static const psm::http::TrustedProxies trusted(
      *psm::http::ParseCidrList({"127.0.0.0/8", "::1/128", "10.0.0.0/8"}));

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(8 * 1024);  // ServerOptions' defaults
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Arrives in two reads, as from a slow client: what the parser leaves unread stays in the
  // buffer for the next put(), as in the session's flat_buffer.
  std::string buffer;
  const std::size_t split = input.size() / 3;
  for (const std::string_view read : {input.substr(0, split), input.substr(split)}) {
    buffer.append(read);
    while (!buffer.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec == bhttp::error::need_more) {
        ec = {};
        if (used == 0) break;  // wait for the next read
      } else if (ec) {
        return 0;
      }
    }
  }
  if (!parser.is_header_done()) return 0;
  const auto& header = parser.get();
  (void)psm::http::RequestTransferCoding(header);
  psm::http::Request req;
  req.method = header.method();
  if (!req.SetTarget(std::string_view(header.target().data(), header.target().size()))) return 0;
  (void)router.Match(req.method, req.path(), req.mutable_params());
  (void)req.ContentTypeIs("application/json");
  req.headers = header.base();
  const std::string forwarded = psm::http::ForwardedFor(req.headers);
  const auto client =
      psm::http::ResolveClientIp(boost::asio::ip::make_address("127.0.0.1"), forwarded, trusted);
  (void)psm::http::LimitKey(client);
  return 0;
}
