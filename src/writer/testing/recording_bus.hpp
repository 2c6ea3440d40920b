// A Bus that keeps every event published, for writer tests to read back.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus.hpp"

namespace psm::testing {

class RecordingBus final : public Bus {
 public:
  void Publish(const BusEvent& e) override {
    std::lock_guard lock(mu_);
    events_.push_back(e);
  }
  void Subscribe(Handler) override {}
  int Count(const std::string& type) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& e : events_)
      n += e.type == type;
    return n;
  }
  // The data of the latest event of `type`, or "".
  std::string Latest(const std::string& type) {
    const auto e = LatestOf(type);
    return e ? *e->data : "";
  }
  // The seq of the latest event of `type`, or 0.
  std::uint64_t LatestSeq(const std::string& type) {
    const auto e = LatestOf(type);
    return e ? e->seq : 0;
  }

 private:
  // A copy: the writer's thread may publish meanwhile.
  std::optional<BusEvent> LatestOf(const std::string& type) {
    std::lock_guard lock(mu_);
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->type == type) return *it;
    }
    return std::nullopt;
  }

  std::mutex mu_;
  std::vector<BusEvent> events_;
};

}  // namespace psm::testing
