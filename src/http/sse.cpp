// SseHub: id assignment, replay ring and bounded per-subscriber queues.
#include "http/sse.hpp"

#include <algorithm>

namespace psm::http {
namespace detail {

struct SseEvent {
  std::uint64_t id;
  std::string station;
  int ac;
  SseBytes bytes;
};

struct SseHubCore {
  explicit SseHubCore(SseHubOptions o) : options(o), next_id(o.first_id) {}

  static bool Matches(const SseFilter& f, const std::string& station, int ac) {
    if (ac == 0 && station.empty()) return true;
    if (!f.station.empty() && f.station != station) return false;
    if (f.ac != 0 && f.ac != ac) return false;
    return true;
  }

  const SseHubOptions options;
  std::atomic<std::size_t> live{0};
  mutable std::mutex mu;  // guards everything below
  std::uint64_t next_id;
  std::deque<SseEvent> ring;
  std::vector<std::weak_ptr<SseSubscription>> subscribers;
};

}  // namespace detail

namespace {

const SseBytes& ResetEvent() {
  static const SseBytes kReset = std::make_shared<const std::string>("event: reset\ndata: {}\n\n");
  return kReset;
}

}  // namespace

SseSubscription::SseSubscription(std::shared_ptr<detail::SseHubCore> core, SseFilter filter)
    : core_(std::move(core)),
      filter_(std::move(filter)),
      max_events_(core_->options.queue_events),
      max_bytes_(core_->options.queue_bytes),
      keepalive_(core_->options.keepalive) {
  core_->live.fetch_add(1);
}

SseSubscription::~SseSubscription() {
  if (state_ == State::kOpen) core_->live.fetch_sub(1);
}

bool SseSubscription::Offer(const SseBytes& bytes) {
  std::function<void()> wake;
  bool ok = true;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) return false;
    if (queue_.size() >= max_events_ || queued_bytes_ + bytes->size() > max_bytes_) {
      state_ = State::kOverflowed;
      queue_.clear();
      queued_bytes_ = 0;
      core_->live.fetch_sub(1);
      ok = false;
    } else {
      queue_.push_back(bytes);
      queued_bytes_ += bytes->size();
    }
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
  return ok;
}

SseSubscription::State SseSubscription::Take(std::vector<SseBytes>* out,
                                             std::function<void()> wake) {
  std::lock_guard lock(mu_);
  if (state_ != State::kOpen) return state_;
  if (queue_.empty()) {
    wake_ = std::move(wake);
    return state_;
  }
  for (auto& bytes : queue_)
    out->push_back(std::move(bytes));
  queue_.clear();
  queued_bytes_ = 0;
  return state_;
}

void SseSubscription::Close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (state_ != State::kOpen) return;
    state_ = State::kClosed;
    queue_.clear();
    queued_bytes_ = 0;
    core_->live.fetch_sub(1);
    wake = std::move(wake_);
    wake_ = nullptr;
  }
  if (wake) wake();
}

SseHub::SseHub(SseHubOptions options) : core_(std::make_shared<detail::SseHubCore>(options)) {}

SseHub::~SseHub() = default;

std::string SseHub::Format(std::uint64_t id, std::string_view type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + type.size() + 32);
  out += "id: ";
  out += std::to_string(id);
  out += "\nevent: ";
  for (char c : type)
    out += (c == '\n' || c == '\r') ? ' ' : c;
  out += '\n';
  do {
    auto nl = data.find('\n');
    out += "data: ";
    out += data.substr(0, nl);
    out += '\n';
    data = nl == std::string_view::npos ? std::string_view{} : data.substr(nl + 1);
  } while (!data.empty());
  out += '\n';
  return out;
}

std::uint64_t SseHub::Publish(std::string event_type, std::string station_id, int ac,
                              std::string data_json) {
  auto& c = *core_;
  std::lock_guard lock(c.mu);
  std::uint64_t id = c.next_id++;
  auto bytes = std::make_shared<const std::string>(Format(id, event_type, data_json));
  c.ring.push_back(detail::SseEvent{id, std::move(station_id), ac, bytes});
  if (c.ring.size() > c.options.ring_size) c.ring.pop_front();
  const detail::SseEvent& event = c.ring.back();
  // Offering under the hub lock keeps every subscriber's queue in id order; Offer only touches
  // memory and the wake callback only posts to an executor, so the lock is held briefly.
  auto& subs = c.subscribers;
  subs.erase(
      std::remove_if(subs.begin(), subs.end(),
                     [&](const std::weak_ptr<SseSubscription>& weak) {
                       auto sub = weak.lock();
                       if (!sub) return true;
                       if (!detail::SseHubCore::Matches(sub->filter(), event.station, event.ac)) {
                         return false;
                       }
                       return !sub->Offer(event.bytes);
                     }),
      subs.end());
  return id;
}

std::shared_ptr<SseSubscription> SseHub::Subscribe(SseFilter filter,
                                                   std::optional<std::uint64_t> last_event_id) {
  auto& c = *core_;
  std::shared_ptr<SseSubscription> sub(new SseSubscription(core_, std::move(filter)));
  std::lock_guard lock(c.mu);
  if (last_event_id) {
    std::uint64_t last = *last_event_id;
    std::uint64_t oldest = c.ring.empty() ? c.next_id : c.ring.front().id;
    bool gap = last + 1 < oldest || last >= c.next_id;
    std::vector<SseBytes> replay;
    std::size_t replay_bytes = 0;
    if (!gap) {
      for (const auto& e : c.ring) {
        if (e.id > last && detail::SseHubCore::Matches(sub->filter(), e.station, e.ac)) {
          replay.push_back(e.bytes);
          replay_bytes += e.bytes->size();
        }
      }
    }
    // A replay the queue cannot hold would overflow at once; a reset is the useful answer.
    if (gap || replay.size() > c.options.queue_events || replay_bytes > c.options.queue_bytes) {
      sub->Offer(ResetEvent());
    } else {
      for (const auto& bytes : replay) {
        if (!sub->Offer(bytes)) break;
      }
    }
  }
  c.subscribers.push_back(sub);
  return sub;
}

std::size_t SseHub::SubscriberCount() const {
  return core_->live.load();
}

std::uint64_t SseHub::LastId() const {
  std::lock_guard lock(core_->mu);
  return core_->next_id - 1;
}

void SseHub::CloseAll() {
  std::vector<std::shared_ptr<SseSubscription>> subs;
  {
    std::lock_guard lock(core_->mu);
    for (auto& weak : core_->subscribers) {
      if (auto sub = weak.lock()) subs.push_back(std::move(sub));
    }
    core_->subscribers.clear();
  }
  for (auto& sub : subs)
    sub->Close();
}

}  // namespace psm::http
