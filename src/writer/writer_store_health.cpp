// Writer: noticing that the store refuses writes (a full disk) and that it takes them again.
// Reads keep being served from memory throughout; only the district-wide alert, the gauge and
// the outage's audit entry change here.
#include <spdlog/spdlog.h>

#include "writer/station_json.hpp"
#include "writer/writer.hpp"

namespace psm {
namespace {

// Failures of the store itself. A node that is not the cluster's writer (not_writer) and the
// outcomes of a working store (a closed unlock, a constraint) say nothing about its disk.
bool IsStoreFailure(const Error& e) {
  return (e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal) &&
         e.reason != "not_writer";
}

}  // namespace

void Writer::NoteStoreFailure(const Error& e, std::size_t refused) {
  if (!IsStoreFailure(e)) return;
  if (observer_) observer_->OnStoreWriteFailed(e);
  if (store_writable_.load()) {
    store_writable_.store(false);
    unwritable_since_ = clock_.Now();
    unwritable_refused_ = 0;
  }
  unwritable_error_ = e;
  unwritable_refused_ += refused;
  next_probe_ = clock_.SteadyNow() + options_.store_probe_interval;
  desk_->OnStoreUnwritable(e, clock_.Now());
}

void Writer::NoteStoreWritten() {
  if (store_writable_.load()) return;
  // A commit went through: the outage is over. Its audit entry is best effort here (the
  // reports are already durable); the probe writes it when no report comes first.
  if (Status st = store_->AppendAudit({OutageAudit(clock_.Now())}); !st.ok()) {
    spdlog::warn("the store takes writes again, but the outage's audit entry failed: {}",
                 st.error().detail);
  }
  store_writable_.store(true);
  next_probe_ = SteadyTime::max();
  desk_->OnStoreWritable(clock_.Now());
  desk_->Flush();  // alert changes that could not be saved meanwhile, now rather than next tick
}

void Writer::ProbeStore() {
  if (store_writable_.load()) {
    next_probe_ = SteadyTime::max();
    return;
  }
  // Any node may append audit rows, so a node that lost the cluster's writer role meanwhile
  // still finds out when the store takes writes again, and its alert does not stay open.
  if (Status st = store_->AppendAudit({OutageAudit(clock_.Now())}); !st.ok()) {
    next_probe_ = clock_.SteadyNow() + options_.store_probe_interval;
    return;
  }
  store_writable_.store(true);
  next_probe_ = SteadyTime::max();
  desk_->OnStoreWritable(clock_.Now());
  desk_->Flush();  // alert changes that could not be saved meanwhile, now rather than next tick
}

AuditEntry Writer::OutageAudit(Instant now) const {
  const Json detail{{"since", FormatRfc3339(unwritable_since_)},
                    {"until", FormatRfc3339(now)},
                    {"reason", unwritable_error_.reason},
                    {"detail", unwritable_error_.detail},
                    {"reports_refused", unwritable_refused_}};
  return AuditEntry{0, now, "system", "system", "", "store_unwritable", "", detail.dump()};
}

}  // namespace psm
