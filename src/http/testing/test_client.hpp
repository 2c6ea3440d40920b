// Test-only blocking HTTP client over a real socket, with a receive timeout so a broken server
// fails a test instead of hanging it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace psm::http::testing {

using TestResponse = boost::beast::http::response<boost::beast::http::string_body>;

class TestClient {
 public:
  // Connects to 127.0.0.1:port; `connected()` says whether it worked.
  explicit TestClient(unsigned short port);
  bool connected() const { return connected_; }

  // Writes raw bytes (one or several requests, or garbage).
  bool Send(std::string_view raw);
  // Reads one response; nullopt on timeout, error or close. `head` skips the body.
  std::optional<TestResponse> Read(bool head = false);
  // Sends a simple request and reads its response.
  std::optional<TestResponse> Get(std::string_view target, std::string_view extra_headers = "");
  // Reads raw bytes until `needle` has been seen (true) or timeout/close (false).
  bool ReadUntil(std::string_view needle, std::string* seen = nullptr);
  // True when the server closes the connection (EOF/reset) within the timeout.
  bool WaitClosed();

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
  std::string raw_;
  bool connected_ = false;
};

}  // namespace psm::http::testing
