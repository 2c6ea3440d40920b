// Internal: waking session coroutines from other threads. Wakeup lets any thread wake one
// session parked on its timer, with one posted task per burst of wakes per loop (WakeQueue);
// SseLoop serves every parked SSE stream of one event loop with a single posted task per publish.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/post.hpp>

#include "http/session.hpp"
#include "http/sse.hpp"

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

// Bytes of an SSE stream still to be written by its coroutine: `batch` from byte `skip` on.
struct SsePendingWrite {
  SseBatch batch;
  std::size_t skip = 0;
};

// The SSE streams of one event loop. A publish notifies it once (one post, whatever the number
// of streams); the posted task takes each parked stream's new events and writes them straight
// to its socket with one non-blocking sendmsg, so an idle stream's coroutine stays asleep. Only
// a stream whose socket cannot take everything (or that ended) has its coroutine woken, to
// finish the write with a timeout. The same walk writes keep-alive comments, so streams need no
// timers of their own. Everything but Notify runs on the loop's thread.
class SseLoop final : public SseNotifier, public std::enable_shared_from_this<SseLoop> {
 public:
  // One stream, living in its coroutine's frame for as long as it is registered.
  struct Stream {
    SseSubscription* sub = nullptr;
    int fd = -1;
    bool chunked = true;
    Timer* timer = nullptr;  // the coroutine waits on it while `parked`
    bool parked = false;
    std::unique_ptr<SsePendingWrite> pending;  // set when the coroutine has bytes to write
    std::size_t index = 0;                     // position in streams_
  };

  // Registers `stream` for its lifetime (RAII); the loop stays alive while any is registered.
  class Registration {
   public:
    Registration(std::shared_ptr<SseLoop> loop, Stream* stream)
        : loop_(std::move(loop)), stream_(stream) {
      loop_->Add(stream_);
    }
    ~Registration() { loop_->Remove(stream_); }
    SseLoop& loop() const { return *loop_; }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    std::shared_ptr<SseLoop> loop_;
    Stream* stream_;
  };

  SseLoop(Executor executor, std::chrono::milliseconds keepalive)
      : executor_(executor), ticker_(executor), coalesce_timer_(executor), keepalive_(keepalive) {}

  // The loop of `executor` for `sub`'s hub, created on first use. Loop thread.
  static std::shared_ptr<SseLoop> For(SseSubscription& sub, Executor executor) {
    auto n = sub.NotifierFor(&executor.context(), [&]() -> std::shared_ptr<SseNotifier> {
      return std::make_shared<SseLoop>(executor, sub.keepalive());
    });
    return std::static_pointer_cast<SseLoop>(n);
  }

  // Walks start at most this often. The first event after a quiet spell goes out at once; events
  // published within the interval after it go out together, one send per stream for several
  // events, which keeps a busy day's fan-out from costing a send per event per subscriber.
  static constexpr std::chrono::milliseconds kCoalesce{50};

  // Any thread. Posts one walk unless one is already queued.
  void Notify() override {
    if (notified_.exchange(true)) return;
    boost::asio::post(executor_, [self = shared_from_this()] {
      self->notified_.store(false);
      if (self->walking_) {
        self->rewalk_ = true;  // the walk under way may have passed streams this event is for
        return;
      }
      if (self->coalescing_) return;  // the armed walk will take this event too
      const auto due = self->last_walk_ + kCoalesce;
      if (std::chrono::steady_clock::now() >= due) {
        self->StartWalk();
        return;
      }
      self->coalescing_ = true;
      self->coalesce_timer_.expires_at(due);
      self->coalesce_timer_.async_wait([self](boost::system::error_code) {
        self->coalescing_ = false;
        if (self->walking_) {
          self->rewalk_ = true;
        } else {
          self->StartWalk();
        }
      });
    });
  }

  // Takes `s`'s next events for its coroutine to write, into s.pending, which is allocated
  // only when there are some: a parked stream holds no batch. Returns the stream state.
  SseSubscription::State TakePending(Stream& s) {
    scratch_.batch.Clear();
    auto state = s.sub->Take(&scratch_.batch);
    if (state == SseSubscription::State::kOpen && scratch_.batch.size > 0) {
      s.pending = std::make_unique<SsePendingWrite>();
      s.pending->batch = scratch_.batch;
    }
    scratch_.batch.Clear();
    return state;
  }

  // Frames `batch` for the wire from byte `skip` on; returns the number of iovecs filled.
  static std::size_t Buffers(const SsePendingWrite& w, bool chunked, iovec* out) {
    std::size_t n = 0, skip = w.skip;
    for (std::size_t i = 0; i < w.batch.size; ++i) {
      std::string_view bytes = chunked ? w.batch.events[i]->Chunk() : w.batch.events[i]->Text();
      if (skip >= bytes.size()) {
        skip -= bytes.size();
        continue;
      }
      bytes.remove_prefix(skip);
      skip = 0;
      out[n].iov_base = const_cast<char*>(bytes.data());
      out[n].iov_len = bytes.size();
      ++n;
    }
    return n;
  }

 private:
  void Add(Stream* s) {
    s->index = streams_.size();
    streams_.push_back(s);
    if (!ticking_) StartTicker();
  }

  // Streams [0, pos_) have been walked and [pos_, size) not yet; removal keeps it so (the gap
  // is filled from the walked side first), so a walk in slices never skips a stream.
  void Remove(Stream* s) {
    std::size_t gap = s->index;
    if (walking_ && gap < pos_) {
      --pos_;
      Put(streams_[pos_], gap);
      gap = pos_;
    }
    if (gap + 1 != streams_.size()) Put(streams_.back(), gap);
    streams_.pop_back();
  }

  void Put(Stream* s, std::size_t index) {
    streams_[index] = s;
    s->index = index;
  }

  void StartTicker() {
    ticking_ = true;
    ticker_.expires_after(keepalive_);
    ticker_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->streams_.empty()) {
        self->ticking_ = false;
        return;
      }
      for (std::size_t i = 0; i < self->streams_.size(); ++i) {
        Stream& s = *self->streams_[i];
        if (!s.parked) continue;
        self->scratch_.batch.events[0] = KeepaliveEvent();
        self->scratch_.batch.size = 1;
        self->Send(s);
      }
      self->StartTicker();
    });
  }

  void StartWalk() {
    walking_ = true;
    last_walk_ = std::chrono::steady_clock::now();
    pos_ = 0;
    WalkOn();
  }

  // Walks kSlice streams from pos_, then queues the rest behind whatever else the loop has to
  // do, so a fan-out to many streams does not hold up requests (a report's own answer among
  // them).
  void WalkOn() {
    static constexpr std::size_t kSlice = 256;
    const std::size_t end = std::min(streams_.size(), pos_ + kSlice);
    for (std::size_t i = pos_; i < end; ++i) {
      Stream& s = *streams_[i];
      // Events come in batches of SseBatch::kMax; a full batch may have more behind it.
      while (s.parked) {
        scratch_.batch.Clear();
        if (s.sub->Take(&scratch_.batch) != SseSubscription::State::kOpen) {
          Wake(s);
          break;
        }
        if (scratch_.batch.size == 0) break;
        bool full = scratch_.batch.size == SseBatch::kMax;
        Send(s);
        if (!full) break;
      }
    }
    scratch_.batch.Clear();
    pos_ = end;
    if (pos_ < streams_.size()) {
      boost::asio::post(executor_, [self = shared_from_this()] { self->WalkOn(); });
      return;
    }
    if (rewalk_) {
      rewalk_ = false;
      pos_ = 0;
      WalkOn();
      return;
    }
    walking_ = false;
  }

  // Writes scratch_ to a parked stream; what the socket does not take goes to the coroutine.
  void Send(Stream& s) {
    iovec iov[SseBatch::kMax];
    scratch_.skip = 0;
    std::size_t n = Buffers(scratch_, s.chunked, iov);
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i)
      total += iov[i].iov_len;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    ssize_t sent = ::sendmsg(s.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0 && static_cast<std::size_t>(sent) == total) {
      scratch_.batch.Clear();
      return;
    }
    // Full socket buffer or an error: the coroutine's write waits (with its timeout) or fails.
    auto pending = std::make_unique<SsePendingWrite>();
    pending->batch = scratch_.batch;
    pending->skip = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    scratch_.batch.Clear();
    s.pending = std::move(pending);
    Wake(s);
  }

  static void Wake(Stream& s) {
    s.parked = false;
    s.timer->cancel();
  }

  static const SseEventPtr& KeepaliveEvent() {
    static const SseEventPtr kEvent = SseHub::Frame(0, "", 0, kSseOther, ": keepalive\n\n");
    return kEvent;
  }

  Executor executor_;
  Timer ticker_;
  Timer coalesce_timer_;
  const std::chrono::milliseconds keepalive_;
  std::atomic<bool> notified_{false};
  bool walking_ = false;  // a walk is in progress (in slices)
  bool rewalk_ = false;   // start it over when it ends
  std::size_t pos_ = 0;   // the walk's next stream
  bool ticking_ = false;
  bool coalescing_ = false;  // coalesce_timer_ will start the next walk
  std::chrono::steady_clock::time_point last_walk_{};
  std::vector<Stream*> streams_;
  SsePendingWrite scratch_;  // the walk's batch, reused
};

}  // namespace psm::http::detail
