// Internal: the SSE fan-out of one event loop. A publish notifies it once; one posted task then
// writes every parked stream's new events straight to its socket.
#pragma once

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "http/session.hpp"
#include "http/sse.hpp"

namespace psm::http::detail {

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
  static std::shared_ptr<SseLoop> For(SseSubscription& sub, Executor executor);

  // Walks start at most this often. The first event after a quiet spell goes out at once; events
  // published within the interval after it go out together, one send per stream for several
  // events, which keeps a busy day's fan-out from costing a send per event per subscriber.
  static constexpr std::chrono::milliseconds kCoalesce{50};

  // Any thread. Posts one walk unless one is already queued.
  void Notify() override;

  // Takes `s`'s next events for its coroutine to write, into s.pending, which is allocated
  // only when there are some: a parked stream holds no batch. Returns the stream state.
  SseSubscription::State TakePending(Stream& s);

  // Frames `batch` for the wire from byte `skip` on; returns the number of iovecs filled.
  static std::size_t Buffers(const SsePendingWrite& w, bool chunked, iovec* out);

 private:
  void Add(Stream* s);
  // Streams [0, pos_) have been walked and [pos_, size) not yet; removal keeps it so (the gap
  // is filled from the walked side first), so a walk in slices never skips a stream.
  void Remove(Stream* s);
  void Put(Stream* s, std::size_t index);
  void StartTicker();
  void StartWalk();
  // Walks kSlice streams from pos_, then queues the rest behind whatever else the loop has to
  // do, so a fan-out to many streams does not hold up requests (a report's own answer among
  // them).
  void WalkOn();
  // Writes scratch_ to a parked stream; what the socket does not take goes to the coroutine.
  void Send(Stream& s);
  static void Wake(Stream& s);
  static const SseEventPtr& KeepaliveEvent();

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
