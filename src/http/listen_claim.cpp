// The port claim (an abstract Unix socket) and the plain-bind probe.
#include "http/listen_claim.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace psm::http {
namespace {

using boost::asio::ip::tcp;

sockaddr_un ClaimAddress(unsigned short port, socklen_t* length) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL, no file; the name is the rest of the given length.
  const std::string name = "psm-serve-port-" + std::to_string(port);
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return addr;
}

// The PID of the process holding the claim, or 0 when it cannot be told: a non-blocking connect
// to the claim's socket, then the kernel's record of who listens there.
pid_t ClaimHolder(const sockaddr_un& addr, socklen_t length) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  pid_t pid = 0;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), length) == 0) {
    ucred cred{};
    socklen_t size = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) pid = cred.pid;
  }
  ::close(fd);
  return pid;
}

Error InUse(std::string detail) {
  return Error::Unavailable("address_in_use", std::move(detail));
}

std::string HostPort(const boost::asio::ip::address& host, unsigned short port) {
  const std::string h = host.is_v6() ? "[" + host.to_string() + "]" : host.to_string();
  return h + ":" + std::to_string(port);
}

// Nothing listens on host:port: a socket without SO_REUSEPORT cannot bind where a listener is
// (SO_REUSEADDR only lets it past connections left in TIME_WAIT by an earlier run).
Status Probe(const boost::asio::ip::address& host, unsigned short port) {
  boost::asio::io_context ioc;
  tcp::acceptor probe(ioc);
  const tcp::endpoint endpoint(host, port);
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec == boost::asio::error::address_in_use) {
    return InUse("the address is already in use by another program");
  }
  if (ec) {
    return Error::Unavailable("bind_failed",
                              "cannot listen on " + HostPort(host, port) + ": " + ec.message());
  }
  return {};
}

}  // namespace

ListenClaim::ListenClaim(ListenClaim&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ListenClaim& ListenClaim::operator=(ListenClaim&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ListenClaim::~ListenClaim() {
  Release();
}

void ListenClaim::Release() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

Result<ListenClaim> ListenClaim::Take(const boost::asio::ip::address& host, unsigned short port) {
  if (port == 0) return ListenClaim();
  socklen_t length = 0;
  const sockaddr_un addr = ClaimAddress(port, &length);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error::Unavailable("bind_failed",
                              std::string("cannot claim the port: ") + std::strerror(errno));
  }
  ListenClaim claim(fd);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), length) != 0) {
    const int err = errno;
    if (err != EADDRINUSE) {
      return Error::Unavailable("bind_failed",
                                std::string("cannot claim the port: ") + std::strerror(err));
    }
    const pid_t holder = ClaimHolder(addr, length);
    return InUse("the address is already in use: another psm server" +
                 (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
                 " listens on port " + std::to_string(port));
  }
  // Listening lets a second server ask the kernel who holds the claim (SO_PEERCRED).
  if (::listen(fd, 8) != 0) {
    return Error::Unavailable("bind_failed",
                              std::string("cannot claim the port: ") + std::strerror(errno));
  }
  if (Status st = Probe(host, port); !st.ok()) return st.error();
  return claim;
}

}  // namespace psm::http
