// Blocking keep-alive HTTP/1.1 client on Beast's tcp_stream. Each step is an asynchronous
// operation run to completion on the client's loop, because Beast's timeouts (expires_after)
// apply to asynchronous operations only: a synchronous read from a stuck server never returns.
#include "sim/sim_http_client.hpp"

#include <netinet/in.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "core/text.hpp"

namespace psm::sim {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

Error BadUrl(const std::string& detail) {
  return Error::Invalid("bad_url", detail);
}

beast::error_code Bind(tcp::socket& socket, const asio::ip::address_v4& address) {
  beast::error_code ec;
#ifdef IP_BIND_ADDRESS_NO_PORT
  // Leave choosing the port to connect(), which knows the server: a port bound with no peer
  // yet is reserved against every server and runs short with many connections per address.
  socket.set_option(asio::detail::socket_option::boolean<IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT>(true),
                    ec);
  ec = {};  // older kernels: bind picks the port, which still works
#endif
  socket.bind(tcp::endpoint(address, 0), ec);
  return ec;
}

}  // namespace

Result<HttpTarget> ParseHttpUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  std::string_view rest(url);
  if (rest.substr(0, kScheme.size()) != kScheme) {
    return BadUrl("the server URL must start with http:// (got \"" + url + "\")");
  }
  rest.remove_prefix(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return BadUrl("the server URL must be http://HOST[:PORT] with no path (got \"" + url + "\")");
  }
  HttpTarget t;
  std::string_view port;
  if (rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return BadUrl("bad host or port in \"" + url + "\"");
    t.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') return BadUrl("bad host or port in \"" + url + "\"");
    port = rest.empty() ? std::string_view("80") : rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    t.host = std::string(rest.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view("80") : rest.substr(colon + 1);
  }
  const auto number = ParseInt<int>(port);
  if (!number || *number < 1 || *number > 65535 || t.host.empty()) {
    return BadUrl("bad host or port in \"" + url + "\"");
  }
  t.port = std::string(port);
  return t;
}

struct HttpLoop::Impl {
  asio::io_context ioc;
};

HttpLoop::HttpLoop() : impl_(std::make_unique<Impl>()) {}
HttpLoop::~HttpLoop() = default;

struct HttpClient::Impl {
  Impl(HttpTarget t, std::chrono::milliseconds limit, std::unique_ptr<HttpLoop> own,
       asio::io_context& context, const std::string& source_address)
      : target(std::move(t)),
        timeout(limit),
        own_loop(std::move(own)),
        ioc(context),
        stream(ioc),
        source_text(source_address) {
    if (source_text.empty()) return;
    beast::error_code ec;
    source = asio::ip::make_address_v4(source_text, ec);
    if (ec) source_bad = true;
  }

  HttpTarget target;
  std::chrono::milliseconds timeout;
  std::unique_ptr<HttpLoop> own_loop;  // before the stream: destroyed after it
  asio::io_context& ioc;
  beast::tcp_stream stream;
  std::string source_text;
  std::optional<asio::ip::address_v4> source;
  bool source_bad = false;
  bool connected = false;
  beast::flat_buffer buffer;

  // Starts one asynchronous operation and runs the loop until it (and the timer it cancels)
  // is done. The loop's other clients are idle meanwhile: their thread is here.
  template <class Start>
  beast::error_code Await(Start&& start) {
    beast::error_code result = asio::error::operation_aborted;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  beast::error_code Connect() {
    if (source_bad) return asio::error::invalid_argument;
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) return ec;
    // A bound IPv4 source can only reach IPv4 servers ("localhost" may resolve to ::1 first).
    beast::error_code last = asio::error::address_family_not_supported;
    for (const auto& entry : endpoints) {
      const tcp::endpoint server = entry.endpoint();
      if (source && !server.address().is_v4()) continue;
      stream.socket().open(server.protocol(), ec);
      if (!ec && source) ec = Bind(stream.socket(), *source);
      if (!ec) {
        stream.expires_after(timeout);
        ec = Await([&](auto handler) { stream.async_connect(server, std::move(handler)); });
      }
      if (!ec) {
        stream.socket().set_option(tcp::no_delay(true), ec);
        connected = true;
        buffer.clear();
        return {};
      }
      last = ec;
      beast::error_code ignored;
      stream.socket().close(ignored);
    }
    return last;
  }

  void Close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  beast::error_code Exchange(const http::request<http::string_body>& req,
                             http::response<http::string_body>& res) {
    stream.expires_after(timeout);
    beast::error_code ec =
        Await([&](auto handler) { http::async_write(stream, req, std::move(handler)); });
    if (ec) return ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);  // /stations?limit=5000 is a few MB
    stream.expires_after(timeout);
    ec = Await([&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
    if (ec) return ec;
    res = parser.release();
    return {};
  }
};

HttpClient::HttpClient(HttpTarget target, std::chrono::milliseconds timeout) {
  auto own = std::make_unique<HttpLoop>();
  asio::io_context& ioc = own->impl_->ioc;
  impl_ = std::make_unique<Impl>(std::move(target), timeout, std::move(own), ioc, "");
}

HttpClient::HttpClient(HttpTarget target, std::chrono::milliseconds timeout, HttpLoop& loop,
                       std::string source_address)
    : impl_(std::make_unique<Impl>(std::move(target), timeout, nullptr, loop.impl_->ioc,
                                   source_address)) {}

HttpClient::~HttpClient() {
  if (impl_->connected) impl_->Close();
}

Result<HttpResponse> HttpClient::Request(const std::string& method, const std::string& target,
                                         const std::string& body, const std::string& bearer) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  const std::string& host = impl_->target.host;
  req.set(http::field::host, host.find(':') == std::string::npos ? host : "[" + host + "]");
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
    const std::string from =
        impl_->source_text.empty() ? std::string() : " from " + impl_->source_text;
    return Error::Unavailable("transport", method + " " + target + " to " + impl_->target.host +
                                               ":" + impl_->target.port + from +
                                               " failed: " + ec.message());
  }
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  if (auto it = res.find(http::field::retry_after); it != res.end()) {
    const auto v = it->value();
    out.retry_after_s = ParseInt<int>(std::string_view(v.data(), v.size())).value_or(0);
  }
  if (!res.keep_alive()) impl_->Close();
  return out;
}

Status CheckSourceAddress(const std::string& address) {
  beast::error_code ec;
  const auto parsed = asio::ip::make_address_v4(address, ec);
  if (ec) {
    return Error::Invalid("bad_source_address", "\"" + address + "\" is not an IPv4 address");
  }
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.open(tcp::v4(), ec);
  if (!ec) ec = Bind(socket, parsed);
  if (ec) {
    return Error::Invalid("bad_source_address",
                          "cannot bind a socket to " + address + ": " + ec.message());
  }
  return {};
}

}  // namespace psm::sim
