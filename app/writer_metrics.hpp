// Writer metrics: batch sizes, commit latency, reports accepted/rejected by reason and the
// store's refused commits.
#pragma once

#include "http/metrics.hpp"
#include "writer/writer.hpp"

namespace psm::app {

class WriterMetrics final : public WriterObserver {
 public:
  explicit WriterMetrics(http::Metrics& metrics)
      : batch_size_(metrics
                        .AddHistogram("psm_writer_batch_size", "reports per group commit", {},
                                      {1, 2, 4, 8, 16, 32, 64, 128, 256, 512})
                        .With({})),
        commit_seconds_(metrics
                            .AddHistogram("psm_writer_commit_seconds",
                                          "time to commit one batch durably", {},
                                          http::LatencyBuckets())
                            .With({})),
        accepted_(metrics.AddCounter("psm_reports_accepted_total", "reports stored", {"kind"})),
        rejected_(metrics.AddCounter("psm_reports_rejected_total", "reports refused",
                                     {"kind", "reason"})),
        store_failures_(metrics.AddCounter(
            "psm_store_write_failures_total",
            "report batches the store refused to commit (store_full: its disk is full)",
            {"reason"})) {}

  void OnBatch(std::size_t size, std::chrono::microseconds latency) override {
    if (size == 0) return;
    batch_size_.Observe(static_cast<double>(size));
    commit_seconds_.Observe(static_cast<double>(latency.count()) / 1e6);
  }
  void OnAccepted(const Report& r) override { accepted_.With({ToString(r.kind)}).Inc(); }
  void OnRejected(const Report& r, const Error& e) override {
    rejected_.With({ToString(r.kind), e.reason}).Inc();
  }
  void OnStoreWriteFailed(const Error& e) override { store_failures_.With({e.reason}).Inc(); }

 private:
  http::Histogram& batch_size_;
  http::Histogram& commit_seconds_;
  http::Family<http::Counter>& accepted_;
  http::Family<http::Counter>& rejected_;
  http::Family<http::Counter>& store_failures_;
};

}  // namespace psm::app
