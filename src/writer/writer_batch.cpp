// Writer::ProcessBatch: validate on trial ledgers, commit reports + audit + used unlocks in
// one transaction, then publish, update alerts and answer — in that order.
#include <algorithm>

#include "core/text.hpp"
#include "writer/station_json.hpp"
#include "writer/writer.hpp"

namespace psm {
namespace {

// The audit detail of a report: `extra`'s fields, then the report's id, kind and event. Written
// as text because an accepted report, the common case, has nothing else to say.
std::string ReportAuditDetail(const Report& r, const Json* extra) {
  std::string out;
  if (extra != nullptr && !extra->empty()) {
    out = extra->dump();
    out.back() = ',';  // the object stays open for the report's own fields
  } else {
    out = "{";
  }
  out += "\"id\":";
  AppendJsonString(out, r.id);
  out += ",\"kind\":";
  AppendJsonString(out, ToString(r.kind));
  if (r.kind == ReportKind::kEvent) {
    out += ",\"event\":";
    AppendJsonString(out, ToString(r.event));
  }
  out += '}';
  return out;
}

AuditEntry ReportAudit(const Report& r, const RequestOrigin& origin, Instant now,
                       std::string action, const Json* extra = nullptr) {
  return AuditEntry{0,
                    now,
                    r.actor.empty() ? origin.actor : r.actor,
                    origin.role,
                    origin.client,
                    std::move(action),
                    r.station.ToString(),
                    ReportAuditDetail(r, extra)};
}

}  // namespace

void Writer::ProcessBatch(std::vector<Pending>& batch) {
  const Instant now = clock_.Now();
  // Validate and apply in place, as a trial on each touched ledger: a failed commit undoes just
  // this batch's reports, so it changes nothing, without copying any station's day.
  std::vector<std::uint32_t> touched;      // stations with an open trial, in first-touch order
  std::vector<std::size_t> accepted;       // indexes into batch
  std::vector<std::uint32_t> accepted_at;  // the station index of each accepted report
  ReportBatch write;
  ReportIdSet batch_ids(options_.report_id_fingerprint);  // the accepted ones of this batch
  std::vector<std::pair<std::size_t, SubmitOutcome>> results;

  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Report& r = batch[i].report;
    if (IsKnownId(r.id, batch_ids, write)) {
      continue;  // a retry: answered after the commit, from the stored copy
    }
    const auto idx = board_.IndexOf(r.station);
    if (!idx) {
      results.emplace_back(
          i,
          SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, UnknownStation(r.station.ToString())});
      continue;
    }
    StationLedger& ledger = ledgers_[*idx];
    if (!ledger.in_trial()) {
      ledger.BeginTrial();
      touched.push_back(*idx);
    }
    Status st = ledger.Check(r, now, day_, status_options_);
    if (!st.ok()) {
      const Json why{{"reason", st.error().reason}, {"detail", st.error().detail}};
      write.audit.push_back(ReportAudit(r, batch[i].origin, now, "report_rejected", &why));
      results.emplace_back(i, SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, st.error()});
      continue;
    }
    const auto unlock = ledger.turnout_unlock();
    const auto before = ledger.TurnoutAtOrBefore(r.observed_at);
    ledger.Apply(r);
    write.audit.push_back(ReportAudit(r, batch[i].origin, now, "report"));
    if (unlock && !ledger.turnout_unlock()) {
      // This report was the correction the unlock admitted: close it in the same transaction.
      write.used_unlocks.push_back({*unlock, r.id, now});
      Json detail{{"unlock", *unlock}, {"reason", r.reason}, {"to", CountsJson(r.counts)}};
      if (before) detail["from"] = CountsJson(*before);
      write.audit.push_back(ReportAudit(r, batch[i].origin, now, "turnout_corrected", &detail));
    }
    batch_ids.Add(r.id);
    accepted.push_back(i);
    accepted_at.push_back(*idx);
    write.reports.push_back(r);
  }

  const SteadyTime t0 = clock_.SteadyNow();
  if (!write.reports.empty() || !write.audit.empty()) {
    auto outcome = store_->CommitReports(write);
    if (!outcome.ok()) {
      for (const auto idx : touched)
        ledgers_[idx].UndoTrial();
      // Nothing of this batch is durable: refuse every report in it; clients retry safely.
      Error e = outcome.error();
      e.code = ErrorCode::kUnavailable;
      for (auto& p : batch) {
        if (observer_) observer_->OnRejected(p.report, e);
        p.done(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, e});
      }
      return;
    }
  }
  const SteadyTime real_now = clock_.SteadyNow();
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(real_now - t0);
  if (observer_) observer_->OnBatch(write.reports.size(), latency);

  for (const auto idx : touched)
    ledgers_[idx].KeepTrial();
  for (const auto& r : write.reports)
    ids_.Add(r.id);
  // Render and publish each touched station once per batch, in the order of its first report.
  std::vector<char> rendered(ledgers_.size(), 0);
  for (const auto idx : accepted_at) {
    if (rendered[idx]) continue;
    rendered[idx] = 1;
    RenderChanged(idx, now, real_now);
    const auto view = board_.Get(idx);
    bus_.Publish(BusEvent{"status", view->station.id.ToString(), view->station.id.ac, view->body});
  }
  if (!accepted.empty()) {
    if (real_now - summary_built_ >= options_.summary_interval) {
      RenderSummary(now);
    } else {
      summary_stale_ = true;  // FlushDeferred rebuilds it when the interval is up
    }
  }

  // Alerts follow the committed state: refusals that need a person, fixes, and the touched
  // stations' state-derived alerts.
  for (const auto& [i, out] : results)
    desk_->OnRejected(batch[i].report, out.error, now);
  for (const auto i : accepted)
    desk_->OnAccepted(batch[i].report, now);
  std::sort(touched.begin(), touched.end());  // evaluated in station order, as always
  desk_->Evaluate(ledgers_, touched, now);
  desk_->Flush();

  std::vector<bool> answered(batch.size(), false);
  for (const auto i : accepted) {
    if (observer_) observer_->OnAccepted(batch[i].report);
    batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kCreated, batch[i].report, {}});
    answered[i] = true;
  }
  for (auto& [i, out] : results) {
    if (observer_) observer_->OnRejected(batch[i].report, out.error);
    batch[i].done(std::move(out));
    answered[i] = true;
  }
  AnswerRetries(batch, answered);
}

bool Writer::IsKnownId(const std::string& id, const ReportIdSet& batch_ids,
                       const ReportBatch& write) {
  // Fingerprints can collide, so a hit is confirmed before a report is turned away as a retry.
  if (batch_ids.MayContain(id)) {
    for (const Report& earlier : write.reports) {
      if (earlier.id == id) return true;
    }
  }
  if (!ids_.MayContain(id)) return false;
  const auto stored = store_->FindReport(id);
  // When the store cannot say, the report is held back as a retry too: AnswerRetries asks again
  // and answers with the store's error, rather than risk a second copy.
  return !stored.ok() || stored.value().has_value();
}

void Writer::AnswerRetries(std::vector<Pending>& batch, const std::vector<bool>& answered) {
  // Retries: answer from the store, comparing content.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (answered[i]) continue;
    const Report& r = batch[i].report;
    auto found = store_->FindReport(r.id);
    if (!found.ok() || !found.value()) {
      Error e = found.ok() ? Error::Internal("missing_report",
                                             "report " + r.id + " is indexed but not stored")
                           : found.error();
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, e});
      continue;
    }
    const Report& stored = *found.value();
    if (stored.SameContent(r)) {
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRepeated, stored, {}});
    } else {
      Error e = Error::Conflict("id_reused",
                                "a different report with id " + r.id + " was already stored");
      if (observer_) observer_->OnRejected(r, e);
      batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kRejected, stored, e});
    }
  }
}

}  // namespace psm
