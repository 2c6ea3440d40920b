// Bus: after a commit, status changes go to every subscriber on this node (and, with the Redis
// bus of a later release, on every node). The local bus is a synchronous in-process fan-out.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace psm {

struct BusEvent {
  std::string type;                         // "status", "summary", "alert"
  std::string station;                      // station id, or "" for district-wide events
  int ac = 0;                               // AC number, or 0 for district-wide events
  std::shared_ptr<const std::string> data;  // JSON, rendered once
  // In a cluster, the store's sequence number of the newest change the event carries (the SSE
  // event id, the same on every node); 0 on a single node (the SSE hub numbers the events).
  std::uint64_t seq = 0;
};

class Bus {
 public:
  using Handler = std::function<void(const BusEvent&)>;
  virtual ~Bus() = default;
  // Delivers `event` to every subscriber. Thread-safe; must not block on network I/O.
  virtual void Publish(const BusEvent& event) = 0;
  // Adds a subscriber for the bus's lifetime. Call before the first Publish.
  virtual void Subscribe(Handler handler) = 0;
};

// In-process bus: Publish calls each handler on the publishing thread. Handlers must be quick
// and non-blocking (the SSE hub only queues bytes).
class LocalBus final : public Bus {
 public:
  void Publish(const BusEvent& event) override {
    std::vector<Handler> handlers;
    {
      std::lock_guard lock(mu_);
      handlers = handlers_;
    }
    for (const auto& h : handlers)
      h(event);
  }
  void Subscribe(Handler handler) override {
    std::lock_guard lock(mu_);
    handlers_.push_back(std::move(handler));
  }

 private:
  std::mutex mu_;
  std::vector<Handler> handlers_;
};

}  // namespace psm
