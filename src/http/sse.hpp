// Server-Sent Events fan-out: SseHub assigns event ids, keeps a replay ring for Last-Event-ID and
// hands each event's bytes (formatted once, shared) to every matching subscriber's bounded queue.
// A subscriber that falls behind is disconnected rather than buffered without limit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace psm::http {

struct SseHubOptions {
  std::size_t ring_size = 4096;                // events kept for Last-Event-ID replay
  std::size_t queue_events = 256;              // per-subscriber queue bound (events)
  std::size_t queue_bytes = 1 << 20;           // per-subscriber queue bound (bytes)
  std::uint64_t first_id = 1;                  // e.g. start-time based so ids grow across restarts
  std::chrono::milliseconds keepalive{15000};  // comment line interval on an idle stream
};

// Which events a subscriber wants. Events with ac == 0 and no station (district-wide, e.g.
// `summary`) reach everyone; otherwise a station filter needs the same station and an AC filter
// the same AC. No filter means everything.
struct SseFilter {
  std::string station;  // "34-112" or empty
  int ac = 0;           // 0 = any
};

using SseBytes = std::shared_ptr<const std::string>;

namespace detail {
struct SseHubCore;
}

// One client's stream. Created by SseHub::Subscribe, driven by the HTTP session. Thread-safe.
class SseSubscription {
 public:
  ~SseSubscription();
  SseSubscription(const SseSubscription&) = delete;
  SseSubscription& operator=(const SseSubscription&) = delete;

  enum class State { kOpen, kClosed, kOverflowed };

  // Moves queued events into `out` (appending). If nothing was queued and the stream is open,
  // `wake` is kept and called once, from the publishing thread, when something arrives or the
  // stream closes; it must not block. Returns the stream state.
  State Take(std::vector<SseBytes>* out, std::function<void()> wake);
  // Ends the stream and stops delivery; idempotent. Wakes a waiting session.
  void Close();
  std::chrono::milliseconds keepalive() const { return keepalive_; }
  const SseFilter& filter() const { return filter_; }

 private:
  friend class SseHub;
  SseSubscription(std::shared_ptr<detail::SseHubCore> core, SseFilter filter);
  // Queues `bytes`; on overflow marks the subscription overflowed and returns false. Called with
  // the hub lock held.
  bool Offer(const SseBytes& bytes);

  std::shared_ptr<detail::SseHubCore> core_;
  const SseFilter filter_;
  const std::size_t max_events_;
  const std::size_t max_bytes_;
  const std::chrono::milliseconds keepalive_;
  std::mutex mu_;
  std::deque<SseBytes> queue_;
  std::size_t queued_bytes_ = 0;
  State state_ = State::kOpen;
  std::function<void()> wake_;
};

class SseHub {
 public:
  explicit SseHub(SseHubOptions options = {});
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;

  // Formats and delivers one event; returns its id. Never blocks on a socket: it only appends to
  // bounded in-memory queues. Thread-safe; ids are strictly increasing and every subscriber sees
  // its events in id order. `data_json` should be single-line JSON (newlines are split into
  // several `data:` lines as the SSE grammar requires).
  std::uint64_t Publish(std::string event_type, std::string station_id, int ac,
                        std::string data_json);

  // Starts a subscription. With `last_event_id`, first queues the retained matching events after
  // it; if some of them are no longer retained (or the id is from the future, e.g. before a
  // restart) it queues one `event: reset` instead so the client refetches state. Atomic with
  // respect to Publish: no event is missed or duplicated between replay and live delivery.
  std::shared_ptr<SseSubscription> Subscribe(SseFilter filter,
                                             std::optional<std::uint64_t> last_event_id);

  // Live subscriptions (for metrics). Thread-safe.
  std::size_t SubscriberCount() const;
  // The id of the last published event, or first_id - 1 if none.
  std::uint64_t LastId() const;
  // Closes every subscription (e.g. at shutdown). New subscriptions still work afterwards.
  void CloseAll();

  // The bytes of one event as written on the wire.
  static std::string Format(std::uint64_t id, std::string_view type, std::string_view data);

 private:
  std::shared_ptr<detail::SseHubCore> core_;
};

}  // namespace psm::http
