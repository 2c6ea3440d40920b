// Prometheus registry and text rendering.
#include "http/metrics.hpp"

#include <cassert>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace psm::http {
namespace {

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

void AppendEscaped(std::string& out, std::string_view value, bool escape_quotes) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` plus an optional extra label (for `le`); empty when there are no labels.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendEscaped(out, values[i], true);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

namespace detail {

std::size_t MetricShard() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard =
      next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return shard;
}

}  // namespace detail

std::uint64_t Counter::Value() const {
  std::uint64_t total = 0;
  for (const Shard& shard : shards_)
    total += shard.value.load(std::memory_order_relaxed);
  return total;
}

Histogram::Histogram(const std::vector<double>& bounds) : bounds_(bounds) {
  for (Shard& shard : shards_) {
    shard.counts.reset(new std::atomic<std::uint64_t>[bounds_.size() + 1]);
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
      shard.counts[i].store(0, std::memory_order_relaxed);
  }
}

void Histogram::Observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  Shard& shard = shards_[detail::MetricShard()];
  shard.counts[i].fetch_add(1, std::memory_order_relaxed);
  shard.sum.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::Cumulative() const {
  std::vector<std::uint64_t> out;
  out.reserve(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    for (const Shard& shard : shards_)
      total += shard.counts[i].load(std::memory_order_relaxed);
    out.push_back(total);
  }
  return out;
}

double Histogram::Sum() const {
  double total = 0;
  for (const Shard& shard : shards_)
    total += shard.sum.load(std::memory_order_relaxed);
  return total;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
}

Metrics::Entry& Metrics::Find(const std::string& name, Kind kind, std::string help) {
  if (!ValidName(name)) throw std::invalid_argument("bad metric name: " + name);
  auto [it, inserted] = entries_.try_emplace(name);
  if (!inserted && it->second.kind != kind) {
    throw std::invalid_argument("metric registered twice with different kinds: " + name);
  }
  if (inserted) {
    it->second.kind = kind;
    it->second.help = std::move(help);
  }
  return it->second;
}

Family<Counter>& Metrics::AddCounter(std::string name, std::string help,
                                     std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry& e = Find(name, Kind::kCounter, std::move(help));
  if (!e.counter) {
    e.counter = std::make_unique<Family<Counter>>(std::move(labels),
                                                  [] { return std::make_unique<Counter>(); });
  }
  return *e.counter;
}

Family<Gauge>& Metrics::AddGauge(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  Entry& e = Find(name, Kind::kGauge, std::move(help));
  if (!e.gauge) {
    e.gauge = std::make_unique<Family<Gauge>>(std::move(labels),
                                              [] { return std::make_unique<Gauge>(); });
  }
  return *e.gauge;
}

Family<Histogram>& Metrics::AddHistogram(std::string name, std::string help,
                                         std::vector<std::string> labels,
                                         std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  Entry& e = Find(name, Kind::kHistogram, std::move(help));
  if (!e.histogram) {
    e.histogram = std::make_unique<Family<Histogram>>(
        std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
  }
  return *e.histogram;
}

void Metrics::AddCallbackGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  Entry& e = Find(name, Kind::kCallback, std::move(help));
  e.callback = std::move(read);
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, e] : entries_) {
    out += "# HELP " + name + " ";
    AppendEscaped(out, e.help, false);
    out += '\n';
    switch (e.kind) {
      case Kind::kCounter:
        out += "# TYPE " + name + " counter\n";
        e.counter->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
          out += name + LabelSet(e.counter->label_names(), values) + " " +
                 std::to_string(c.Value()) + "\n";
        });
        break;
      case Kind::kGauge:
        out += "# TYPE " + name + " gauge\n";
        e.gauge->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
          out += name + LabelSet(e.gauge->label_names(), values) + " " + FormatNumber(g.Value()) +
                 "\n";
        });
        break;
      case Kind::kCallback:
        out += "# TYPE " + name + " gauge\n";
        out += name + " " + FormatNumber(e.callback ? e.callback() : 0.0) + "\n";
        break;
      case Kind::kHistogram: {
        out += "# TYPE " + name + " histogram\n";
        const auto& labels = e.histogram->label_names();
        e.histogram->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
          auto cumulative = h.Cumulative();
          for (std::size_t i = 0; i < h.bounds().size(); ++i) {
            out += name + "_bucket" + LabelSet(labels, values, "le", FormatNumber(h.bounds()[i])) +
                   " " + std::to_string(cumulative[i]) + "\n";
          }
          out += name + "_bucket" + LabelSet(labels, values, "le", "+Inf") + " " +
                 std::to_string(cumulative.back()) + "\n";
          out += name + "_sum" + LabelSet(labels, values) + " " + FormatNumber(h.Sum()) + "\n";
          out += name + "_count" + LabelSet(labels, values) + " " +
                 std::to_string(cumulative.back()) + "\n";
        });
        break;
      }
    }
  }
  return out;
}

}  // namespace psm::http
