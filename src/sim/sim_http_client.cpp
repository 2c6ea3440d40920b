// Blocking keep-alive HTTP/1.1 client on Beast's tcp_stream (expires_after on every step).
#include "sim/sim_http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace psm::sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<HttpTarget> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest(url);
  if (rest.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kInvalid, "bad_url",
                     "the server URL must start with http:// (got \"" + url + "\")");
  }
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return MakeError(
        ErrorCode::kInvalid, "bad_url",
        "the server URL must be http://HOST[:PORT] with no path (got \"" + url + "\")");
  }
  HttpTarget t;
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    t.host = std::string(rest);
    t.port = "80";
  } else {
    t.host = std::string(rest.substr(0, colon));
    t.port = std::string(rest.substr(colon + 1));
    int port = 0;
    auto [p, ec] = std::from_chars(t.port.data(), t.port.data() + t.port.size(), port);
    if (ec != std::errc() || p != t.port.data() + t.port.size() || port < 1 || port > 65535 ||
        t.host.empty()) {
      return MakeError(ErrorCode::kInvalid, "bad_url", "bad host or port in \"" + url + "\"");
    }
  }
  return t;
}

struct HttpClient::Impl {
  HttpTarget target;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  bool connected = false;
  beast::flat_buffer buffer;

  beast::error_code Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) return ec;
    stream.expires_after(timeout);
    stream.connect(endpoints, ec);
    if (ec) return ec;
    stream.socket().set_option(tcp::no_delay(true), ec);
    connected = true;
    buffer.clear();
    return {};
  }

  void Close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  beast::error_code Exchange(const http::request<http::string_body>& req,
                             http::response<http::string_body>& res) {
    beast::error_code ec;
    stream.expires_after(timeout);
    http::write(stream, req, ec);
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);  // /stations?limit=5000 is a few MB
    stream.expires_after(timeout);
    http::read(stream, buffer, parser, ec);
    if (ec) return ec;
    res = parser.release();
    return {};
  }
};

HttpClient::HttpClient(HttpTarget target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() {
  if (impl_->connected) impl_->Close();
}

Result<HttpResponse> HttpClient::Request(const std::string& method, const std::string& target,
                                         const std::string& body, const std::string& bearer) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->target.host);
  req.set(http::field::user_agent, "psm-simulate");
  req.keep_alive(true);
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  http::response<http::string_body> res;
  beast::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->connected;
    if (!impl_->connected) {
      ec = impl_->Connect();
      if (ec) break;
    }
    ec = impl_->Exchange(req, res);
    if (!ec) break;
    impl_->Close();
    if (!reused) break;  // a fresh connection failed: do not hammer a failing server
  }
  if (ec) {
    return MakeError(ErrorCode::kUnavailable, "transport",
                     method + " " + target + " to " + impl_->target.host + ":" +
                         impl_->target.port + " failed: " + ec.message());
  }
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  if (auto it = res.find(http::field::retry_after); it != res.end()) {
    const auto v = it->value();
    std::from_chars(v.data(), v.data() + v.size(), out.retry_after_s);
  }
  if (!res.keep_alive()) impl_->Close();
  return out;
}

}  // namespace psm::sim
