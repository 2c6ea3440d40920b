// Internal: waking session coroutines from other threads. Wakeup lets any thread wake one
// session parked on its timer, with one posted task per burst of wakes per loop (WakeQueue).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/post.hpp>

#include "http/session.hpp"

namespace psm::http::detail {

class Wakeup;

// The pending wakes of one event loop. The writer thread answers a whole committed batch at
// once (hundreds of replies); a post per reply made it pay for a task and an eventfd write each
// time, and made the loop wake up as often. Here the first wake of a burst posts one drain task
// and the later ones join its list, so a burst costs one post and one loop wakeup.
class WakeQueue : public std::enable_shared_from_this<WakeQueue> {
 public:
  explicit WakeQueue(Executor executor) : executor_(executor) {}

  // Any thread. Queues `wakeup` for the loop and posts a drain task unless one is already
  // pending. Never blocks on I/O; the wake itself always happens on the loop's thread.
  void Push(std::weak_ptr<Wakeup> wakeup) {
    bool post;
    {
      std::lock_guard lock(mu_);
      // The list is non-empty exactly while a posted drain has yet to take it.
      post = pending_.empty();
      pending_.push_back(std::move(wakeup));
    }
    if (post) boost::asio::post(executor_, [self = shared_from_this()] { self->Drain(); });
  }

 private:
  // Loop thread. Takes the list and wakes every session still there.
  void Drain();

  Executor executor_;
  std::mutex mu_;
  // Weak, so that a queue left holding wakes when the io_context is destroyed (its drain task
  // destroyed unrun) does not keep those Wakeups, and through them itself, alive; a session
  // that has ended in between is simply expired.
  std::vector<std::weak_ptr<Wakeup>> pending_;
  std::vector<std::weak_ptr<Wakeup>> draining_;  // loop thread only; kept to reuse its capacity
};

// Lets any thread wake one session parked on its timer, through its loop's WakeQueue.
class Wakeup : public std::enable_shared_from_this<Wakeup> {
 public:
  Wakeup(std::shared_ptr<WakeQueue> queue, Timer* timer)
      : queue_(std::move(queue)), timer_(timer) {}

  // Any thread. Has the session's timer cancelled on its loop, soon. Never blocks on I/O, never
  // runs inline; a no-op once the session has ended.
  void Wake() {
    // Held across the push: Detach (run as the session's frame is destroyed, possibly inside
    // the io_context's destructor) waits for it, so the post never targets a destroyed loop.
    std::lock_guard lock(mu_);
    if (timer_ == nullptr) return;
    queue_->Push(weak_from_this());
  }

  // Called by the session as it ends (also from io_context destruction); later wakes are no-ops.
  void Detach() {
    std::lock_guard lock(mu_);
    timer_ = nullptr;
  }

 private:
  friend class WakeQueue;

  // Loop thread: cancels the timer if the session is still there.
  void Fire() {
    std::lock_guard lock(mu_);
    if (timer_ != nullptr) timer_->cancel();
  }

  std::shared_ptr<WakeQueue> queue_;
  std::mutex mu_;
  Timer* timer_;  // owned by the session's coroutine frame; null once it is gone
};

inline void WakeQueue::Drain() {
  {
    std::lock_guard lock(mu_);
    draining_.swap(pending_);
  }
  // Outside the lock: wakes arriving meanwhile start a new list and post the next drain.
  for (const auto& weak : draining_) {
    if (auto wakeup = weak.lock()) wakeup->Fire();
  }
  draining_.clear();
}

}  // namespace psm::http::detail
