// The change feed a node of a cluster follows: what was committed after a position, each change
// with the store's sequence number, so every node applies the same changes in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/alert.hpp"
#include "core/model.hpp"
#include "store/records.hpp"

namespace psm {

template <class T>
struct Sequenced {
  std::int64_t seq = 0;
  T value;
};

// A follower's position in the two feeds. The writer feed (reports, turnout unlocks, alerts) is
// written by the one writer, one transaction after another, so its sequence numbers become
// visible in order and "everything after seq N" misses nothing. Sessions are written by every
// node and the CLI at once, so a smaller number may become visible after a larger one: a
// follower asks again from a little way back (Follower, "sessions_lookback") and applies what
// it sees twice harmlessly.
struct FeedCursor {
  std::int64_t writer = 0;
  std::int64_t sessions = 0;
  bool operator==(const FeedCursor&) const = default;
};

struct ChangeBatch {
  // The writer feed, each in seq order, all with seq in (cursor.writer, writer_seq].
  std::vector<Sequenced<Report>> reports;
  std::vector<Sequenced<TurnoutUnlock>> unlocks;
  std::vector<Sequenced<Alert>> alerts;
  std::int64_t writer_seq = 0;  // the newest writer-feed seq included, else cursor.writer
  bool more = false;            // the report limit was reached: ask again from writer_seq
  // Sessions created and ended (logout, PIN reset, disabled user, expiry), seq > cursor.sessions.
  std::vector<Sequenced<SessionRecord>> sessions;
  std::vector<Sequenced<std::string>> ended_sessions;  // token hashes
  std::int64_t sessions_seq = 0;                       // the newest included, else the cursor's

  bool empty() const {
    return reports.empty() && unlocks.empty() && alerts.empty() && sessions.empty() &&
           ended_sessions.empty();
  }
};

}  // namespace psm
