// Replays poll events through the state machine, collecting order violations.
#include "core/poll_events.hpp"

#include "core/local_format.hpp"

namespace psm {
namespace {

std::string Quoted(EventKind k) {
  return "`" + std::string(ToString(k)) + "`";
}

class Replayer {
 public:
  explicit Replayer(std::chrono::minutes utc_offset) : offset_(utc_offset) {}

  void Step(std::size_t index, const Report& e) {
    const std::string at = " (observed at " + Local(e.observed_at) + ")";
    // A stored row may carry a value outside the enum; ToString would index past its table.
    if (e.event < EventKind::kPartyArrived || e.event > EventKind::kPollClosed) {
      return Refuse(index, "unknown event kind" + at);
    }
    PollSummary& s = out_.summary;
    if (s.state == PollState::kClosed) {
      if (e.event == EventKind::kPollClosed) {
        return Refuse(index, "`poll_closed` was already reported at " + Local(*s.closed_at) + at);
      }
      return Refuse(index, "nothing but turnout may follow `poll_closed` (poll closed at " +
                               Local(*s.closed_at) + "); " + Quoted(e.event) + at);
    }
    switch (e.event) {
      case EventKind::kPartyArrived:
        return Once(index, e, s.party_arrived_at, at);
      case EventKind::kMockPollDone:
        return Once(index, e, s.mock_poll_done_at, at);
      case EventKind::kPollStarted:
        if (s.started_at) {
          return Refuse(index,
                        "`poll_started` was already reported at " + Local(*s.started_at) + at);
        }
        s.started_at = e.observed_at;
        s.state = PollState::kOpen;
        return;
      case EventKind::kInterrupted:
        if (s.state == PollState::kNotStarted) {
          return Refuse(index, "`interrupted` needs an earlier `poll_started`" + at);
        }
        if (s.state == PollState::kInterrupted) {
          return Refuse(index, "`interrupted` needs the poll open, but it was interrupted at " +
                                   Local(*s.interrupted_at) + " and not `resumed`" + at);
        }
        s.state = PollState::kInterrupted;
        s.interrupted_at = e.observed_at;
        s.interruption_reason = e.reason;
        return;
      case EventKind::kResumed:
        if (s.state != PollState::kInterrupted) {
          return Refuse(index, "`resumed` needs an earlier `interrupted`" + at);
        }
        s.state = PollState::kOpen;
        s.interrupted_at.reset();
        s.interruption_reason.clear();
        return;
      case EventKind::kPollClosed:
        if (s.state == PollState::kNotStarted) {
          return Refuse(index, "`poll_closed` needs an earlier `poll_started`" + at);
        }
        s.state = PollState::kClosed;
        s.closed_at = e.observed_at;
        s.interrupted_at.reset();
        s.interruption_reason.clear();
        s.voters_in_queue_at_close = e.voters_in_queue_at_close;
        return;
    }
  }

  EventReplay Take() && { return std::move(out_); }

 private:
  // party_arrived and mock_poll_done: once each, before the poll starts.
  void Once(std::size_t index, const Report& e, std::optional<Instant>& seen_at,
            const std::string& at) {
    if (out_.summary.started_at) {
      return Refuse(index, Quoted(e.event) + " must come before `poll_started` (poll started at " +
                               Local(*out_.summary.started_at) + ")" + at);
    }
    if (seen_at) {
      return Refuse(index, Quoted(e.event) + " was already reported at " + Local(*seen_at) + at);
    }
    seen_at = e.observed_at;
  }

  void Refuse(std::size_t index, std::string detail) {
    out_.violations.push_back(EventViolation{index, std::move(detail)});
  }

  std::string Local(Instant t) const { return FormatLocalTime(t, offset_); }

  std::chrono::minutes offset_;
  EventReplay out_;
};

}  // namespace

EventReplay ReplayEvents(const std::vector<Report>& events, std::chrono::minutes utc_offset) {
  Replayer r(utc_offset);
  for (std::size_t i = 0; i < events.size(); ++i)
    r.Step(i, events[i]);
  return std::move(r).Take();
}

}  // namespace psm
