// Each call is one public Store call, so every backend behaves as the suite expects.
#include "store/testing/store_calls.hpp"

namespace psm::testing {

Result<std::vector<InsertOutcome>> InsertReports(Store& store, const std::vector<Report>& reports) {
  ReportBatch batch;
  batch.reports = reports;
  return store.CommitReports(batch);
}

Result<std::optional<SessionRecord>> FindSession(Store& store, std::string_view token_hash) {
  auto sessions = store.LiveSessions(Instant::min());  // every stored session
  if (!sessions.ok()) return sessions.error();
  for (SessionRecord& s : *sessions)
    if (s.token_hash == token_hash) return std::optional<SessionRecord>(std::move(s));
  return std::optional<SessionRecord>();
}

}  // namespace psm::testing
