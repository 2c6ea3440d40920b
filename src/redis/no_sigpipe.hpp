// hiredis writes with write(2), which raises SIGPIPE when Redis has closed the connection, and the
// server keeps SIGPIPE's default action (end the process). A scope that may write blocks the
// signal on its own thread and discards the one it raised: the failed write is an error instead.
#pragma once

#include <signal.h>

namespace psm::redis::detail {

class NoSigpipe {
 public:
  NoSigpipe();
  ~NoSigpipe();
  NoSigpipe(const NoSigpipe&) = delete;
  NoSigpipe& operator=(const NoSigpipe&) = delete;

 private:
  sigset_t old_mask_;
  bool was_pending_ = false;  // one raised before this scope is not ours to discard
};

}  // namespace psm::redis::detail
