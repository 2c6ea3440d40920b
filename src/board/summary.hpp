// District, constituency and turnout views computed from every station at once.
#pragma once

#include <memory>
#include <vector>

#include "board/board.hpp"
#include "core/station_ledger.hpp"

namespace psm {

// Renders the district summary, the per-AC table and the turnout-by-slot JSON and CSV.
// Reads the Board's current views for status; `ledgers` for slot values. Writer thread only.
std::shared_ptr<const SummaryView> BuildSummary(const Board& board,
                                                const std::vector<StationLedger>& ledgers,
                                                const PollingDay& day, Instant now);

}  // namespace psm
