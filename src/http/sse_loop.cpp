// The fan-out walk: coalesced notifications, walks in slices, direct sends, keep-alives.
#include "http/sse_loop.hpp"

#include <sys/socket.h>

#include <algorithm>

#include <boost/asio/post.hpp>

namespace psm::http::detail {

std::shared_ptr<SseLoop> SseLoop::For(SseSubscription& sub, Executor executor) {
  auto n = sub.NotifierFor(&executor.context(), [&]() -> std::shared_ptr<SseNotifier> {
    return std::make_shared<SseLoop>(executor, sub.keepalive());
  });
  return std::static_pointer_cast<SseLoop>(n);
}

void SseLoop::Notify() {
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

SseSubscription::State SseLoop::TakePending(Stream& s) {
  scratch_.batch.Clear();
  auto state = s.sub->Take(&scratch_.batch);
  if (state == SseSubscription::State::kOpen && scratch_.batch.size > 0) {
    s.pending = std::make_unique<SsePendingWrite>();
    s.pending->batch = scratch_.batch;
  }
  scratch_.batch.Clear();
  return state;
}

std::size_t SseLoop::Buffers(const SsePendingWrite& w, bool chunked, iovec* out) {
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

void SseLoop::Add(Stream* s) {
  s->index = streams_.size();
  streams_.push_back(s);
  if (!ticking_) StartTicker();
}

void SseLoop::Remove(Stream* s) {
  std::size_t gap = s->index;
  if (walking_ && gap < pos_) {
    --pos_;
    Put(streams_[pos_], gap);
    gap = pos_;
  }
  if (gap + 1 != streams_.size()) Put(streams_.back(), gap);
  streams_.pop_back();
}

void SseLoop::Put(Stream* s, std::size_t index) {
  streams_[index] = s;
  s->index = index;
}

void SseLoop::StartTicker() {
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

void SseLoop::StartWalk() {
  walking_ = true;
  last_walk_ = std::chrono::steady_clock::now();
  pos_ = 0;
  WalkOn();
}

void SseLoop::WalkOn() {
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

void SseLoop::Send(Stream& s) {
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

void SseLoop::Wake(Stream& s) {
  s.parked = false;
  s.timer->cancel();
}

const SseEventPtr& SseLoop::KeepaliveEvent() {
  static const SseEventPtr kEvent = SseHub::Frame(0, "", 0, kSseOther, ": keepalive\n\n");
  return kEvent;
}

}  // namespace psm::http::detail
