// Board: every station's current status as an immutable, pre-rendered view. A read is an
// atomic pointer load; only the Writer replaces views. Readers never block the writer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace psm {

// One station as last rendered by the writer. Immutable once published.
struct StationView {
  Station station;
  StationStatus status;
  std::optional<Instant> last_report_at;    // latest observed_at of any report
  std::shared_ptr<const std::string> body;  // GET /stations/{id}
  std::string etag;                         // strong ETag of `body`, quoted
  // GET /stations/{id}/timeline; may trail `body` by up to WriterOptions::timeline_interval.
  std::shared_ptr<const std::string> timeline;
};

// The district's totals behind SummaryView::district_json, as numbers (for /metrics).
struct DistrictCounts {
  int reporting_stations = 0;  // a queue report that is not stale
  int stale_stations = 0;
  int turnout_stations = 0;           // stations that reported votes polled
  std::int64_t votes_polled = 0;      // summed over turnout_stations
  std::int64_t turnout_electors = 0;  // electors of turnout_stations: turnout's denominator
};

// District-wide views, recomputed by the writer after a batch (at most every
// WriterOptions::summary_interval) and on its timer.
struct SummaryView {
  std::shared_ptr<const std::string> district_json;  // without "now"; the handler adds it
  std::shared_ptr<const std::string> constituencies_json;
  std::shared_ptr<const std::string> turnout_json;
  std::shared_ptr<const std::string> turnout_csv;
  DistrictCounts counts;
};

class Board {
 public:
  Board(std::vector<Constituency> constituencies, std::vector<Station> stations);

  std::size_t size() const { return stations_.size(); }
  // Dense index of a station, or nullopt. Thread-safe (the map never changes after start).
  std::optional<std::uint32_t> IndexOf(const StationId& id) const;
  std::optional<std::uint32_t> IndexOf(std::string_view id) const;
  const Station& station(std::uint32_t index) const { return stations_[index]; }
  const std::vector<Station>& stations() const { return stations_; }
  const std::vector<Constituency>& constituencies() const { return constituencies_; }
  const Constituency* FindConstituency(int ac) const;

  // The latest view of a station; never null after the writer's first render. Thread-safe.
  std::shared_ptr<const StationView> Get(std::uint32_t index) const {
    return views_[index].load(std::memory_order_acquire);
  }
  // Replaces a station's view. Called by the writer thread only.
  void Set(std::uint32_t index, std::shared_ptr<const StationView> view) {
    views_[index].store(std::move(view), std::memory_order_release);
    versions_[index].fetch_add(1, std::memory_order_release);
  }
  // How many times the station's view has been replaced (0 before the first). Reading it
  // writes nothing shared, unlike Get's count on the view, so each event loop can check its own
  // copies of derived answers without pulling a cache line from the other cores. After reading
  // version v, Get returns view v or a later one.
  std::uint64_t Version(std::uint32_t index) const {
    return versions_[index].load(std::memory_order_acquire);
  }
  std::shared_ptr<const SummaryView> summary() const {
    return summary_.load(std::memory_order_acquire);
  }
  void SetSummary(std::shared_ptr<const SummaryView> s) {
    summary_.store(std::move(s), std::memory_order_release);
  }

 private:
  std::vector<Constituency> constituencies_;
  std::vector<Station> stations_;
  // Station index by AC, then by part number (kNoStation where there is none): a look-up on
  // the hot path is two array reads, not a hash of the id string.
  static constexpr std::uint32_t kNoStation = UINT32_MAX;
  std::vector<std::vector<std::uint32_t>> index_by_ac_;
  std::vector<std::atomic<std::shared_ptr<const StationView>>> views_;
  std::vector<std::atomic<std::uint64_t>> versions_;
  std::atomic<std::shared_ptr<const SummaryView>> summary_;
};

}  // namespace psm
