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
  CheckedBatch checked = CheckBatch(batch, now);
  const SteadyTime t0 = clock_.SteadyNow();
  if (!CommitBatch(batch, checked)) return;
  const SteadyTime real_now = clock_.SteadyNow();
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(real_now - t0);
  if (observer_) observer_->OnBatch(checked.write.reports.size(), latency);
  PublishBatch(checked, now, real_now);
  UpdateAlerts(batch, checked, now);
  NotifyCommitted();
  AnswerBatch(batch, checked);
}

Writer::CheckedBatch Writer::CheckBatch(const std::vector<Pending>& batch, Instant now) {
  // Validate and apply in place, as a trial on each touched ledger: a failed commit undoes just
  // this batch's reports, so it changes nothing, without copying any station's day.
  CheckedBatch checked;
  ReportIdSet batch_ids(options_.report_id_fingerprint);  // the accepted ones of this batch
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Report& r = batch[i].report;
    if (IsKnownId(r.id, batch_ids, checked.write)) {
      continue;  // a retry: answered after the commit, from the stored copy
    }
    const auto idx = board_.IndexOf(r.station);
    if (!idx) {
      checked.refused.emplace_back(
          i,
          SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, UnknownStation(r.station.ToString())});
      continue;
    }
    const std::size_t accepted_before = checked.accepted.size();
    CheckOne(batch[i], i, *idx, now, checked);
    if (checked.accepted.size() > accepted_before) batch_ids.Add(r.id);
  }
  return checked;
}

void Writer::CheckOne(const Pending& p, std::size_t i, std::uint32_t idx, Instant now,
                      CheckedBatch& checked) {
  const Report& r = p.report;
  StationLedger& ledger = ledgers_[idx];
  if (!ledger.in_trial()) {
    ledger.BeginTrial();
    checked.touched.push_back(idx);
  }
  ReportBatch& write = checked.write;
  Status st = ledger.Check(r, now, day_, status_options_);
  if (!st.ok()) {
    const Json why{{"reason", st.error().reason}, {"detail", st.error().detail}};
    write.audit.push_back(ReportAudit(r, p.origin, now, "report_rejected", &why));
    checked.refused.emplace_back(i, SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, st.error()});
    return;
  }
  const auto unlock = ledger.turnout_unlock();
  const auto before = ledger.TurnoutAtOrBefore(r.observed_at);
  ledger.Apply(r);
  write.audit.push_back(ReportAudit(r, p.origin, now, "report"));
  if (unlock && !ledger.turnout_unlock()) {
    // This report was the correction the unlock admitted: close it in the same transaction.
    write.used_unlocks.push_back({*unlock, r.id, now});
    Json detail{{"unlock", *unlock}, {"reason", r.reason}, {"to", CountsJson(r.counts)}};
    if (before) detail["from"] = CountsJson(*before);
    write.audit.push_back(ReportAudit(r, p.origin, now, "turnout_corrected", &detail));
  }
  checked.accepted.push_back(i);
  checked.accepted_at.push_back(idx);
  write.reports.push_back(r);
}

bool Writer::CommitBatch(std::vector<Pending>& batch, const CheckedBatch& checked) {
  if (checked.write.reports.empty() && checked.write.audit.empty()) return true;
  // Checked as late as possible: a node that lost the role commits nothing more.
  auto outcome = HoldsRole() ? store_->CommitReports(checked.write)
                             : Result<std::vector<InsertOutcome>>(NotWriterError());
  if (outcome.ok()) {
    // In a cluster the writer's own commits move its place in the feed: while it holds the
    // role, everything up to them is its own.
    for (const InsertOutcome& o : *outcome) {
      if (o.seq <= cursor_.writer) continue;
      cursor_.writer = o.seq;
      event_seq_ = static_cast<std::uint64_t>(o.seq);
    }
    applied_seq_.store(cursor_.writer);
    heard_seq_.store(std::max(heard_seq_.load(), cursor_.writer));
    NoteStoreWritten();
    return true;
  }
  for (const auto idx : checked.touched)
    ledgers_[idx].UndoTrial();
  // Nothing of this batch is durable (SQLite rolled it back: a full disk fails the WAL append
  // before the commit record): refuse every report in it; clients retry safely, and a retried
  // id is stored once (the reports' primary key).
  Error e = outcome.error();
  NoteStoreFailure(e, batch.size());
  e.code = ErrorCode::kUnavailable;
  if (e.reason != "not_writer") {
    e.detail = "the report was not stored: the store refused the commit (" + e.detail +
               "); send it again later";
  }
  for (auto& p : batch) {
    if (observer_) observer_->OnRejected(p.report, e);
    p.done(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, e});
  }
  return false;
}

void Writer::PublishBatch(const CheckedBatch& checked, Instant now, SteadyTime real_now) {
  for (const auto idx : checked.touched)
    ledgers_[idx].KeepTrial();
  for (const auto& r : checked.write.reports)
    ids_.Add(r.id);
  // Render and publish each touched station once per batch, in the order of its first report.
  std::vector<char> rendered(ledgers_.size(), 0);
  for (const auto idx : checked.accepted_at) {
    if (rendered[idx]) continue;
    rendered[idx] = 1;
    RenderChanged(idx, now, real_now);
    PublishStatus(idx);
  }
  if (checked.accepted.empty()) return;
  if (real_now - summary_built_ >= options_.summary_interval) {
    RenderSummary(now);
  } else {
    summary_stale_ = true;  // FlushDeferred rebuilds it when the interval is up
  }
}

void Writer::UpdateAlerts(const std::vector<Pending>& batch, CheckedBatch& checked, Instant now) {
  // Alerts follow the committed state: refusals that need a person, fixes, and the touched
  // stations' state-derived alerts.
  for (const auto& [i, out] : checked.refused)
    desk_->OnRejected(batch[i].report, out.error, now);
  for (const auto i : checked.accepted)
    desk_->OnAccepted(batch[i].report, now);
  std::sort(checked.touched.begin(), checked.touched.end());  // evaluated in station order
  desk_->Evaluate(ledgers_, checked.touched, now);
  desk_->Flush();
}

void Writer::AnswerBatch(std::vector<Pending>& batch, CheckedBatch& checked) {
  std::vector<bool> answered(batch.size(), false);
  for (const auto i : checked.accepted) {
    if (observer_) observer_->OnAccepted(batch[i].report);
    batch[i].done(SubmitOutcome{SubmitOutcome::Kind::kCreated, batch[i].report, {}});
    answered[i] = true;
  }
  for (auto& [i, out] : checked.refused) {
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
