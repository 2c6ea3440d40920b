// SseHub: id assignment, the shared ring of framed events, and subscriber cursors into it.
#include "http/sse.hpp"

#include <algorithm>
#include <bit>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"

namespace psm::http {
namespace detail {

struct SseHubCore {
  explicit SseHubCore(SseHubOptions o)
      : options(o), last_id(o.first_id - 1), replay_floor(o.first_id - 1) {}

  static bool Matches(const SseFilter& f, const SseEvent& e) {
    if ((f.types & e.type) == 0) return false;
    if (e.type == kSseAlert && f.alert_stations &&
        std::find(f.alert_stations->begin(), f.alert_stations->end(), e.station) ==
            f.alert_stations->end()) {
      return false;
    }
    if (e.ac == 0 && e.station.empty()) return true;
    if (!f.station.empty() && f.station != e.station) return false;
    if (f.ac != 0 && f.ac != e.ac) return false;
    return true;
  }

  void NotifyAll() {
    std::lock_guard lock(notifiers_mu);
    for (auto& [key, weak] : notifiers) {
      if (auto n = weak.lock()) n->Notify();
    }
  }

  const SseHubOptions options;
  std::atomic<std::size_t> live{0};
  std::atomic<std::uint64_t> generation{0};  // CloseAll count
  // Every reader (Take, Subscribe) shares the lock; Publish and a new station's entry in
  // station_end take it exclusively.
  mutable std::shared_mutex mu;
  // The pos the next event gets. Written under mu (exclusive), after the *_end below; read
  // without it by a station stream's Take, which then sees those writes too.
  std::atomic<std::uint64_t> next_pos{0};
  std::uint64_t last_id;         // guarded by mu: the newest event's id
  std::uint64_t replay_floor;    // guarded by mu: a Last-Event-ID below it cannot be replayed
  std::deque<SseEventPtr> ring;  // guarded by mu; positions are consecutive
  // One past the newest event of each station some stream follows (any type), and of the
  // events without a place, per type bit. A station's stream compares them with its cursor to
  // tell, without the lock or a look at the ring, that nothing new is for it: a voter's stream
  // costs next to nothing while other stations report. Nodes never move or go away.
  std::unordered_map<std::string, std::atomic<std::uint64_t>> station_end;  // map guarded by mu
  std::array<std::atomic<std::uint64_t>, 4> placeless_end{};
  std::mutex notifiers_mu;  // guards notifiers
  std::vector<std::pair<const void*, std::weak_ptr<SseNotifier>>> notifiers;
};

}  // namespace detail

namespace {

const SseEventPtr& ResetEvent() {
  static const SseEventPtr kReset =
      SseHub::Frame(0, "", 0, kSseOther, "event: reset\ndata: {}\n\n");
  return kReset;
}

unsigned TypeBit(std::string_view type) {
  if (type == "status") return kSseStatus;
  if (type == "summary") return kSseSummary;
  if (type == "alert") return kSseAlert;
  return kSseOther;
}

}  // namespace

std::optional<unsigned> ParseSseTypes(std::string_view list) {
  unsigned mask = 0;
  for (std::string_view type : Split(list, ',')) {
    const unsigned bit = TypeBit(type);
    if (bit == kSseOther) return std::nullopt;  // also "", "a,,b" and "a,"
    mask |= bit;
  }
  return mask;
}

SseSubscription::SseSubscription(std::shared_ptr<detail::SseHubCore> core, SseFilter filter)
    : core_(std::move(core)), filter_(std::move(filter)) {
  core_->live.fetch_add(1);
}

SseSubscription::~SseSubscription() {
  if (state_.load() == State::kOpen) core_->live.fetch_sub(1);
}

void SseSubscription::Finish(State state) {
  State expected = State::kOpen;
  if (state_.compare_exchange_strong(expected, state)) core_->live.fetch_sub(1);
}

std::chrono::milliseconds SseSubscription::keepalive() const {
  return core_->options.keepalive;
}

SseSubscription::State SseSubscription::Take(SseBatch* out) {
  if (state_.load() != State::kOpen) return state_.load();
  auto& c = *core_;
  if (generation_ != c.generation.load()) {
    Finish(State::kClosed);
    return state_.load();
  }
  if (station_end_ != nullptr && !reset_pending_) {
    // next_pos first: every event below it has its *_end written, so an end at or below the
    // cursor means no event from the cursor to next_pos can match.
    const std::uint64_t published = c.next_pos.load(std::memory_order_acquire);
    std::uint64_t newest_end = station_end_->load(std::memory_order_acquire);
    for (unsigned bit = 0; bit < c.placeless_end.size(); ++bit) {
      if ((filter_.types & (1u << bit)) != 0) {
        newest_end = std::max(newest_end, c.placeless_end[bit].load(std::memory_order_acquire));
      }
    }
    if (newest_end <= cursor_) {
      cursor_ = std::max(cursor_, published);
      return State::kOpen;
    }
  }
  std::shared_lock lock(c.mu);
  if (reset_pending_) {
    if (out->size == SseBatch::kMax) return State::kOpen;
    out->events[out->size++] = ResetEvent();
    reset_pending_ = false;
  }
  if (cursor_ >= c.next_pos.load()) return State::kOpen;
  const std::uint64_t oldest = c.ring.empty() ? c.next_pos.load() : c.ring.front()->pos;
  bool lagging = cursor_ < oldest;
  const std::size_t entry_size = out->size;
  const std::size_t from = lagging ? 0 : cursor_ - oldest;
  // Where the next Take starts reading: past the last event handed over when the batch fills,
  // else past everything read.
  std::size_t next = out->size == SseBatch::kMax ? from : c.ring.size();
  if (!lagging) {
    // One pass: the unread matching events are this subscriber's queue (dropped past its
    // bounds), and the first of them fill the batch.
    std::size_t events = 0, bytes = 0;
    for (std::size_t i = from; i < c.ring.size(); ++i) {
      const SseEvent& e = *c.ring[i];
      if (!detail::SseHubCore::Matches(filter_, e)) continue;
      ++events;
      bytes += e.wire.size();
      if (out->size < SseBatch::kMax) {
        out->events[out->size++] = c.ring[i];
        if (out->size == SseBatch::kMax) next = i + 1;
      }
    }
    lagging = events > c.options.queue_events || bytes > c.options.queue_bytes;
  }
  if (lagging) {
    // Hand back the batch as it came: without the events of an overflowed queue, and without
    // keeping them alive in its slots.
    while (out->size > entry_size)
      out->events[--out->size].reset();
    lock.unlock();
    Finish(State::kOverflowed);
    return state_.load();
  }
  cursor_ = oldest + next;
  return State::kOpen;
}

void SseSubscription::Close() {
  Finish(State::kClosed);
}

std::shared_ptr<SseNotifier> SseSubscription::NotifierFor(
    const void* key, const std::function<std::shared_ptr<SseNotifier>()>& make) {
  auto& c = *core_;
  std::lock_guard lock(c.notifiers_mu);
  for (auto& [k, weak] : c.notifiers) {
    if (k != key) continue;
    if (auto n = weak.lock()) return n;
  }
  std::erase_if(c.notifiers, [](const auto& entry) { return entry.second.expired(); });
  auto n = make();
  c.notifiers.emplace_back(key, n);
  return n;
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

SseEventPtr SseHub::Frame(std::uint64_t id, std::string station, int ac, unsigned type,
                          std::string_view text, std::uint64_t pos) {
  auto e = std::make_shared<SseEvent>();
  e->id = id;
  e->pos = pos;
  e->station = std::move(station);
  e->ac = ac;
  e->type = type;
  std::string head = fmt::format("{:x}\r\n", text.size());
  e->wire.reserve(head.size() + text.size() + 2);
  e->wire += head;
  e->wire += text;
  e->wire += "\r\n";
  e->text_pos = static_cast<std::uint32_t>(head.size());
  return e;
}

std::uint64_t SseHub::Publish(std::string event_type, std::string station_id, int ac,
                              std::string data_json, std::uint64_t id) {
  auto& c = *core_;
  {
    std::unique_lock lock(c.mu);
    id = id == 0 ? c.last_id + 1 : std::max(id, c.last_id);
    c.last_id = id;
    const std::uint64_t pos = c.next_pos.load(std::memory_order_relaxed);
    const unsigned type = TypeBit(event_type);
    if (station_id.empty()) {
      if (ac == 0)
        c.placeless_end[std::countr_zero(type)].store(pos + 1, std::memory_order_relaxed);
    } else if (auto it = c.station_end.find(station_id); it != c.station_end.end()) {
      it->second.store(pos + 1, std::memory_order_relaxed);
    }
    c.ring.push_back(
        Frame(id, std::move(station_id), ac, type, Format(id, event_type, data_json), pos));
    c.next_pos.store(pos + 1, std::memory_order_release);
    if (c.ring.size() > c.options.ring_size) {
      // A client that saw less than the dropped event can no longer be replayed to.
      c.replay_floor = std::max(c.replay_floor, c.ring.front()->id);
      c.ring.pop_front();
    }
  }
  c.NotifyAll();
  return id;
}

void SseHub::SetReplayFloor(std::uint64_t id) {
  std::unique_lock lock(core_->mu);
  core_->replay_floor = std::max(core_->replay_floor, id);
  core_->last_id = std::max(core_->last_id, id);
}

std::shared_ptr<SseSubscription> SseHub::Subscribe(SseFilter filter,
                                                   std::optional<std::uint64_t> last_event_id) {
  auto& c = *core_;
  std::shared_ptr<SseSubscription> sub(new SseSubscription(core_, std::move(filter)));
  sub->generation_ = c.generation.load();
  if (const std::string& station = sub->filter().station; !station.empty()) {
    {
      std::shared_lock lock(c.mu);  // a crowd of voters follows stations that are known by now
      if (auto it = c.station_end.find(station); it != c.station_end.end()) {
        sub->station_end_ = &it->second;
      }
    }
    if (sub->station_end_ == nullptr) {
      std::unique_lock lock(c.mu);
      // A new entry knows nothing of the events already in the ring, so it starts at next_pos,
      // as if the newest of them were this station's: only a replay from before it looks.
      sub->station_end_ = &c.station_end.try_emplace(station, c.next_pos.load()).first->second;
    }
  }
  std::shared_lock lock(c.mu);
  sub->cursor_ = c.next_pos.load();
  if (!last_event_id) return sub;
  const std::uint64_t last = *last_event_id;
  bool gap = last < c.replay_floor || last > c.last_id;
  // The first retained event after `last` (ids never decrease along the ring).
  const auto first =
      std::upper_bound(c.ring.begin(), c.ring.end(), last,
                       [](std::uint64_t v, const SseEventPtr& e) { return v < e->id; });
  if (!gap) {
    std::size_t events = 0, bytes = 0;
    for (auto it = first; it != c.ring.end(); ++it) {
      if (!detail::SseHubCore::Matches(sub->filter(), **it)) continue;
      ++events;
      bytes += (*it)->wire.size();
    }
    // A replay past the queue bounds would overflow at once; a reset is the useful answer.
    gap = events > c.options.queue_events || bytes > c.options.queue_bytes;
  }
  if (gap) {
    sub->reset_pending_ = true;
  } else if (first != c.ring.end()) {
    sub->cursor_ = (*first)->pos;
  }
  return sub;
}

std::size_t SseHub::SubscriberCount() const {
  return core_->live.load();
}

std::uint64_t SseHub::LastId() const {
  std::shared_lock lock(core_->mu);
  return core_->last_id;
}

void SseHub::CloseAll() {
  core_->generation.fetch_add(1);
  core_->NotifyAll();
}

}  // namespace psm::http
