// One server per port: the event loops' acceptors share a port through SO_REUSEPORT, which would
// as gladly let a second psm server join and take half of the connections with its own store.
#pragma once

#include <string>

#include <boost/asio/ip/address.hpp>

#include "core/result.hpp"

namespace psm::http {

// Held by a listening server for as long as it listens. Move-only; releases on destruction.
class ListenClaim {
 public:
  ListenClaim() = default;
  ListenClaim(ListenClaim&& other) noexcept;
  ListenClaim& operator=(ListenClaim&& other) noexcept;
  ListenClaim(const ListenClaim&) = delete;
  ListenClaim& operator=(const ListenClaim&) = delete;
  ~ListenClaim();

  // Claims `port` for this process, then checks with a plain bind (no SO_REUSEPORT) that nothing
  // listens on `host`:`port`. The claim is an abstract Unix socket named after the port: binding
  // it is atomic and the kernel drops it when the process dies, so two servers starting at once
  // cannot both pass, and a crashed one leaves nothing behind. It is per network namespace, as
  // ports are. Errors, both kUnavailable with reason "address_in_use": another psm server holds
  // the port (its PID named when the kernel tells it), or another program listens there.
  // Port 0 (an ephemeral port) needs no claim and returns an empty one.
  static Result<ListenClaim> Take(const boost::asio::ip::address& host, unsigned short port);

  // Gives the claim up (also done by the destructor).
  void Release();
  // Whether this object holds a claim (an empty one holds none).
  bool held() const { return fd_ >= 0; }

 private:
  explicit ListenClaim(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace psm::http
