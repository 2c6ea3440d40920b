// TestClient: blocking Beast reads, each bounded by a poll() timeout.
#include "http/testing/test_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace psm::http::testing {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// Generous: the test machine is small and shared.
constexpr int kReadTimeoutMs = 30000;

// The socket as a SyncReadStream whose reads give up after kReadTimeoutMs. SO_RCVTIMEO alone
// does not bound Asio's blocking reads (they wait again after the timeout), so a response the
// server never sends would hang a test instead of failing it.
class TimedReader {
 public:
  explicit TimedReader(asio::ip::tcp::socket& socket) : socket_(socket) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    const int ready = ::poll(&p, 1, kReadTimeoutMs);
    if (ready == 0) {
      ec = asio::error::timed_out;
      return 0;
    }
    if (ready < 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    return socket_.read_some(buffers, ec);  // readable: data or end of stream, no wait
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  asio::ip::tcp::socket& socket_;
};

}  // namespace

TestClient::TestClient(unsigned short port) {
  boost::system::error_code ec;
  socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return;
  timeval tv{kReadTimeoutMs / 1000, 0};
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
  TimedReader reader(socket_);
  bhttp::read(reader, buffer_, parser, ec);
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
    std::size_t n = TimedReader(socket_).read_some(asio::buffer(chunk), ec);
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
    TimedReader(socket_).read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
    if (ec) return false;  // timeout
  }
}

}  // namespace psm::http::testing
