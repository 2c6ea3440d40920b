// The poll's event state machine: which events may follow which, and the state they lead to.
// Used by StationLedger both to refuse out-of-order events and to derive the poll state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/time.hpp"

namespace psm {

// What a sequence of events says about the poll.
struct PollSummary {
  PollState state = PollState::kNotStarted;
  std::optional<Instant> party_arrived_at;
  std::optional<Instant> mock_poll_done_at;
  std::optional<Instant> started_at;
  std::optional<Instant> interrupted_at;  // the current interruption, while interrupted
  std::optional<Instant> closed_at;
  std::string interruption_reason;  // the current interruption's reason
  std::optional<std::int64_t> voters_in_queue_at_close;
};

// One event that breaks the order. `detail` is a sentence for the officer, e.g.
// "`resumed` needs an earlier `interrupted` (observed at 10:30 IST)".
struct EventViolation {
  std::size_t index = 0;  // position in the sequence given to ReplayEvents
  std::string detail;
};

struct EventReplay {
  PollSummary summary;
  std::vector<EventViolation> violations;
};

// Runs `events` (kind kEvent, sorted by observed_at) through the state machine:
//   not_started --poll_started--> open --interrupted--> interrupted --resumed--> open
//   open | interrupted --poll_closed--> closed
// party_arrived and mock_poll_done: at most once each and only before poll_started. After
// poll_closed no event at all. An event that breaks these rules is recorded as a violation and
// skipped, so a stored history that was never checked still yields a state. `utc_offset` only
// formats times in the details. Pure; never fails.
EventReplay ReplayEvents(const std::vector<Report>& events, std::chrono::minutes utc_offset);

}  // namespace psm
