// Decoders of the PostgreSQL store's rows, shared by the loads, the lookups and the change feed:
// each reads the columns of its list starting at column `col`, and returns kInternal
// ("store_corrupt_row") for a row it cannot decode.
#pragma once

#include <optional>

#include "store/postgres/connection.hpp"
#include "store/records.hpp"

namespace psm::pg {

inline constexpr const char* kReportColumns =
    "id, station, kind, observed_at, received_at, men, women, others, event, reason, "
    "voters_in_queue_at_close, actor";
inline constexpr const char* kUnlockColumns =
    "id, station, opened_at, opened_by, reason, closed_at, report_id";
inline constexpr const char* kAlertColumns =
    "id, station, kind, state, opened_at, acknowledged_by, acknowledged_at, resolved_at, detail, "
    "subject";
inline constexpr const char* kSessionColumns =
    "token_hash, role, station, user_name, created_at, expires_at";

Result<Report> ReadReport(const Rows& rows, int i, int col = 0);
Result<TurnoutUnlock> ReadUnlock(const Rows& rows, int i, int col = 0);
Result<Alert> ReadAlert(const Rows& rows, int i, int col = 0);
Result<SessionRecord> ReadSession(const Rows& rows, int i, int col = 0);
Result<Role> ReadRole(const Rows& rows, int i, int col, std::string_view table);
std::optional<Instant> OptionalTime(const Rows& rows, int i, int col);

}  // namespace psm::pg
