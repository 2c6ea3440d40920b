// Writer: control-room commands, run on the writer thread between batches so they see (and
// change) the same ledgers the reports are checked against.
#include "writer/station_json.hpp"
#include "writer/writer.hpp"

namespace psm {

bool Writer::PostTask(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.NotifyOne();
  return true;
}

bool Writer::UnlockTurnout(StationId station, std::string reason, RequestOrigin who,
                           UnlockCallback done) {
  return PostTask(
      [this, station, reason = std::move(reason), who = std::move(who), done = std::move(done)] {
        if (!HoldsRole()) return done(NotWriterError());
        const auto idx = board_.IndexOf(station);
        if (!idx) {
          return done(UnknownStation(station.ToString()));
        }
        if (ledgers_[*idx].turnout_unlock()) {
          return done(Error::Conflict(
              "unlock_open", "station " + station.ToString() +
                                 " already has an open turnout unlock; its officer may submit "
                                 "the corrected value now"));
        }
        TurnoutUnlock u;
        u.station = station;
        u.opened_at = clock_.Now();
        u.opened_by = who.actor;
        u.reason = reason;
        Json detail{{"reason", reason}};
        if (const auto latest = ledgers_[*idx].TurnoutAtOrBefore(Instant::max()))
          detail["votes_polled"] = CountsJson(*latest);
        AuditEntry audit{0,          u.opened_at,        who.actor,          who.role,
                         who.client, "turnout_unlocked", station.ToString(), detail.dump()};
        auto id = store_->OpenTurnoutUnlock(u, {audit});
        if (!id.ok()) return done(id.error());
        u.id = *id;
        ledgers_[*idx].SetTurnoutUnlock(u.id);
        done(u);
      });
}

bool Writer::AcknowledgeAlert(std::int64_t id, RequestOrigin who, AlertCallback done) {
  return PostTask([this, id, who = std::move(who), done = std::move(done)] {
    if (!HoldsRole()) return done(NotWriterError());
    done(desk_->Acknowledge(id, who, clock_.Now()));
  });
}

bool Writer::NotePinFailure(StationId station, std::size_t failing_addresses) {
  return PostTask([this, station, failing_addresses] {
    if (!HoldsRole()) return;
    desk_->OnPinFailure(station, failing_addresses, clock_.Now());
    desk_->Flush();
  });
}

bool Writer::NotePinReset(StationId station) {
  return PostTask([this, station] {
    if (!HoldsRole()) return;
    desk_->OnPinReset(station, clock_.Now());
    desk_->Flush();
  });
}

}  // namespace psm
