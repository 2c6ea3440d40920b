// Server-Sent Events fan-out: SseHub assigns event ids and keeps every event, framed once, in a
// shared ring; each subscriber is only a cursor into it, so one subscriber costs a few dozen bytes
// and a slow one is disconnected once it lags too far, never buffered per subscriber.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace psm::http {

struct SseHubOptions {
  std::size_t ring_size = 4096;       // events kept for Last-Event-ID replay
  std::size_t queue_events = 256;     // a subscriber further behind is dropped (events)
  std::size_t queue_bytes = 1 << 20;  // a subscriber further behind is dropped (bytes)
  // The first id Publish assigns when not given one, e.g. start-time based so ids grow across
  // restarts. A hub whose events carry the store's sequence numbers starts at 1.
  std::uint64_t first_id = 1;
  std::chrono::milliseconds keepalive{15000};  // comment line interval on an idle stream
};

// Event types a subscriber can ask for (`types=` on /api/v1/events). Any other type counts as
// kSseOther, which only the default mask includes.
inline constexpr unsigned kSseStatus = 1, kSseSummary = 2, kSseAlert = 4, kSseOther = 8;
inline constexpr unsigned kSseAllTypes = kSseStatus | kSseSummary | kSseAlert | kSseOther;

// Parses a comma list of `status`, `summary`, `alert` into a mask; nullopt if a name is unknown
// or the list is empty.
std::optional<unsigned> ParseSseTypes(std::string_view list);

// Which events a subscriber wants. Events with ac == 0 and no station (district-wide, e.g.
// `summary`) pass the place filters; otherwise a station filter needs the same station and an AC
// filter the same AC. No filter means everything. `types` then keeps only the listed types.
struct SseFilter {
  std::string station;            // "34-112" or empty
  int ac = 0;                     // 0 = any
  unsigned types = kSseAllTypes;  // kSse* bits
  // When set, `alert` events only of these stations (a sector officer's), whatever the place
  // filters say.
  std::shared_ptr<const std::vector<std::string>> alert_stations;
};

// One published event, immutable and shared by the ring and every writer. `wire` holds the
// event already framed as one HTTP/1.1 chunk, so a chunked stream writes it as is and an
// HTTP/1.0 stream writes the middle part.
struct SseEvent {
  std::uint64_t id = 0;   // the `id:` line; ids never decrease along the ring
  std::uint64_t pos = 0;  // place in the ring's sequence: consecutive, one per event
  std::string station;
  int ac = 0;
  unsigned type = kSseOther;
  std::string wire;            // "<hex size>\r\n" + event text + "\r\n"
  std::uint32_t text_pos = 0;  // where the event text starts in `wire`

  std::string_view Chunk() const { return wire; }
  std::string_view Text() const {
    return std::string_view(wire).substr(text_pos, wire.size() - text_pos - 2);
  }
};
using SseEventPtr = std::shared_ptr<const SseEvent>;

// What one Take hands over: up to kMax events, in id order.
struct SseBatch {
  static constexpr std::size_t kMax = 16;
  std::array<SseEventPtr, kMax> events;
  std::size_t size = 0;
  void Clear() {
    for (std::size_t i = 0; i < size; ++i)
      events[i].reset();
    size = 0;
  }
};

// Woken after every Publish and CloseAll, on the publishing thread and without the hub lock
// held. Implementations must not block (the HTTP server posts one task to its event loop).
class SseNotifier {
 public:
  virtual ~SseNotifier() = default;
  virtual void Notify() = 0;
};

namespace detail {
struct SseHubCore;
}

// One client's stream: a cursor into the hub's ring. Created by SseHub::Subscribe, read by one
// consumer (the HTTP session's event loop): Take must not be called from two threads at once.
// Close and the hub's CloseAll may come from any thread.
class SseSubscription {
 public:
  ~SseSubscription();
  SseSubscription(const SseSubscription&) = delete;
  SseSubscription& operator=(const SseSubscription&) = delete;

  enum class State { kOpen, kClosed, kOverflowed };

  // Appends to `out` (up to its capacity) the matching events after the cursor and advances the
  // cursor past them. A subscriber whose unread matching events exceed the queue bounds, or
  // whose next event is no longer retained, becomes kOverflowed and gets nothing more (a
  // station's stream only if one of the events it missed may have been for it). Takes the
  // hub's reader lock briefly, except for a station's stream with nothing new; never blocks
  // otherwise. Returns the stream state.
  State Take(SseBatch* out);
  // Ends the stream; idempotent.
  void Close();
  std::chrono::milliseconds keepalive() const;
  const SseFilter& filter() const { return filter_; }

  // The notifier registered in this subscription's hub under `key` (e.g. one per event loop),
  // registering make() if there is none alive. The hub keeps only a weak reference: the
  // notifier is dropped once its last holder lets go. Thread-safe.
  std::shared_ptr<SseNotifier> NotifierFor(
      const void* key, const std::function<std::shared_ptr<SseNotifier>()>& make);

 private:
  friend class SseHub;
  SseSubscription(std::shared_ptr<detail::SseHubCore> core, SseFilter filter);
  void Finish(State state);  // leaves kOpen for `state`; call with no hub lock held

  std::shared_ptr<detail::SseHubCore> core_;
  const SseFilter filter_;
  // The hub's end of this station's events (one past the newest), for a station filter.
  const std::atomic<std::uint64_t>* station_end_ = nullptr;
  std::uint64_t cursor_ = 0;      // pos of the next event to look at; consumer-owned
  std::uint64_t generation_ = 0;  // the hub's CloseAll count at subscription
  bool reset_pending_ = false;    // send `event: reset` first
  std::atomic<State> state_{State::kOpen};
};

class SseHub {
 public:
  explicit SseHub(SseHubOptions options = {});
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;

  // Formats and frames one event once, appends it to the ring, then notifies the registered
  // notifiers; returns its id. Never blocks on a socket. Thread-safe; every subscriber sees its
  // events in publication order. `data_json` should be single-line JSON (newlines are split
  // into several `data:` lines as the SSE grammar requires).
  // Ids: without `id` (0), one more than the last (from first_id). With `id` — the store's
  // sequence number of the newest change the event carries, the same on every node of a
  // cluster, so a client may reconnect to any node with Last-Event-ID — the larger of it and
  // the last id: ids never decrease, and an event derived from no new change (a summary, a
  // status turning stale) repeats the last one.
  std::uint64_t Publish(std::string event_type, std::string station_id, int ac,
                        std::string data_json, std::uint64_t id = 0);
  // Everything up to `id` is known to the clients of this hub without replay (e.g. the state a
  // node loaded at start before it published anything): a Last-Event-ID below it gets `reset`.
  void SetReplayFloor(std::uint64_t id);

  // Starts a subscription at the newest event. With `last_event_id`, it starts after the last
  // event with that id or a smaller one instead, so the retained matching events are read
  // first; if an event after it is no longer retained (or was never published here: below the
  // replay floor), the id is from the future (e.g. before a restart) or the replay would exceed
  // the queue bounds, the stream begins with one `event: reset` instead so the client refetches
  // state. No event is missed or duplicated between replay and live delivery. Thread-safe.
  std::shared_ptr<SseSubscription> Subscribe(SseFilter filter,
                                             std::optional<std::uint64_t> last_event_id);

  // Open subscriptions (for metrics). Thread-safe.
  std::size_t SubscriberCount() const;
  // The id of the last published event, or first_id - 1 if none.
  std::uint64_t LastId() const;
  // Closes every current subscription (each sees kClosed at its next Take; the notifiers are
  // woken so they look). New subscriptions still work afterwards. Thread-safe.
  void CloseAll();

  // The text of one event as written on the wire (without chunk framing).
  static std::string Format(std::uint64_t id, std::string_view type, std::string_view data);
  // `text` framed as one HTTP/1.1 chunk.
  static SseEventPtr Frame(std::uint64_t id, std::string station, int ac, unsigned type,
                           std::string_view text, std::uint64_t pos = 0);

 private:
  std::shared_ptr<detail::SseHubCore> core_;
};

}  // namespace psm::http
