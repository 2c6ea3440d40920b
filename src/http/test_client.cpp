// TestClient: blocking Beast reads bounded by SO_RCVTIMEO.
#include "http/test_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace psm::http::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

TestClient::TestClient(unsigned short port) {
  boost::system::error_code ec;
  socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return;
  timeval tv{30, 0};  // generous: the test machine is small and shared
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  connected_ = true;
}

bool TestClient::Send(std::string_view raw) {
  boost::system::error_code ec;
  asio::write(socket_, asio::buffer(raw.data(), raw.size()), ec);
  return !ec;
}

std::optional<TestResponse> TestClient::Read(bool head) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(head);
  parser.body_limit(16 << 20);
  boost::system::error_code ec;
  bhttp::read(socket_, buffer_, parser, ec);
  if (ec) return std::nullopt;
  return parser.release();
}

std::optional<TestResponse> TestClient::Get(std::string_view target,
                                            std::string_view extra_headers) {
  std::string req = "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" +
                    std::string(extra_headers) + "\r\n";
  if (!Send(req)) return std::nullopt;
  return Read();
}

bool TestClient::ReadUntil(std::string_view needle, std::string* seen) {
  char chunk[4096];
  for (;;) {
    if (raw_.find(needle) != std::string::npos) {
      if (seen) *seen = raw_;
      return true;
    }
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
    if (ec) {
      if (seen) *seen = raw_;
      return false;
    }
    raw_.append(chunk, n);
  }
}

bool TestClient::WaitClosed() {
  char chunk[4096];
  for (;;) {
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    if (ec) return false;  // timeout
  }
}

}  // namespace psm::http::testing
