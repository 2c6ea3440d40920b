// Internal: lets any thread wake a session coroutine that is parked on its timer, even after the
// session has ended (the wake is then dropped). Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include <boost/asio/post.hpp>

#include "http/session.hpp"

namespace psm::http::detail {

class Wakeup : public std::enable_shared_from_this<Wakeup> {
 public:
  Wakeup(Executor executor, Timer* timer) : executor_(executor), timer_(timer) {}

  // Posts a cancel of the session's timer to its loop. Never blocks, never runs inline.
  void Wake() {
    std::lock_guard lock(mu_);
    if (timer_ == nullptr) return;
    boost::asio::post(executor_, [self = shared_from_this()] {
      std::lock_guard lock(self->mu_);
      if (self->timer_ != nullptr) self->timer_->cancel();
    });
  }

  // Called by the session as it ends (also from io_context destruction); later wakes are no-ops.
  void Detach() {
    std::lock_guard lock(mu_);
    timer_ = nullptr;
  }

 private:
  Executor executor_;
  std::mutex mu_;
  Timer* timer_;  // owned by the session's coroutine frame; null once it is gone
};

}  // namespace psm::http::detail
