// A small Prometheus registry: counters, gauges and histograms with labels, rendered as text
// format 0.0.4. Updates are lock-free atomics; looking up a label set takes a shared lock, so hot
// paths should look a series up once and keep the reference (series are never removed).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace psm::http {

namespace detail {
// Counters and histograms are updated on every request by every event loop: one shared atomic
// per series would be a cache line the loops take from each other on each update. Each thread
// adds to a shard of its own (threads take shards in turn; past kMetricShards they share), and
// readers sum the shards.
inline constexpr std::size_t kMetricShards = 16;
std::size_t MetricShard();
}  // namespace detail

class Counter {
 public:
  void Inc(std::uint64_t n = 1) {
    shards_[detail::MetricShard()].value.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t Value() const;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> value{0};
  };
  std::array<Shard, detail::kMetricShards> shards_;
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds` are the upper bounds of the finite buckets, strictly increasing.
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double value);
  // Cumulative count per finite bucket (same order as bounds), then the total count last.
  std::vector<std::uint64_t> Cumulative() const;
  double Sum() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts;  // bounds_.size() + 1 (+Inf)
    std::atomic<double> sum{0};
  };
  std::vector<double> bounds_;
  std::array<Shard, detail::kMetricShards> shards_;
};

// Default latency buckets: 100 µs to 1 s.
std::vector<double> LatencyBuckets();

// A metric name plus its series, one per label-value tuple. Thread-safe.
template <class T>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The series for `values` (one per label name, in order), created on first use. The
  // reference stays valid for the registry's lifetime.
  T& With(const std::vector<std::string_view>& values);
  T& With(std::initializer_list<std::string_view> values) {
    return With(std::vector<std::string_view>(values));
  }

  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls `fn(label_values, series)` for each series, in label order, under a shared lock.
  void ForEach(const std::function<void(const std::vector<std::string>&, const T&)>& fn) const;

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>, std::less<>> series_;
};

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Registration returns the family (owned by the registry). Registering an existing name
  // with the same kind returns the existing family; `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> bounds);
  // A gauge whose value is read by calling `read` at render time (e.g. a queue depth). `read`
  // must be thread-safe and cheap, and must outlive the registry or be replaced.
  void AddCallbackGauge(std::string name, std::string help, std::function<double()> read);

  // The whole registry in Prometheus text format 0.0.4, metrics sorted by name.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram, kCallback };
  struct Entry {
    Kind kind;
    std::string help;
    std::unique_ptr<Family<Counter>> counter;
    std::unique_ptr<Family<Gauge>> gauge;
    std::unique_ptr<Family<Histogram>> histogram;
    std::function<double()> callback;
  };
  Entry& Find(const std::string& name, Kind kind, std::string help);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

template <class T>
T& Family<T>::With(const std::vector<std::string_view>& values) {
  std::vector<std::string> key(values.begin(), values.end());
  key.resize(label_names_.size());
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[std::move(key)];
  if (!slot) slot = make_();
  return *slot;
}

template <class T>
void Family<T>::ForEach(
    const std::function<void(const std::vector<std::string>&, const T&)>& fn) const {
  std::shared_lock lock(mu_);
  for (const auto& [key, series] : series_)
    fn(key, *series);
}

}  // namespace psm::http
