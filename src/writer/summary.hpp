// District, constituency and turnout views computed from every station at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "board/board.hpp"
#include "core/eci_slots.hpp"
#include "core/station_ledger.hpp"

namespace psm {

// Renders the district summary, the per-AC table and the turnout-by-slot JSON and CSV.
// Reads the Board's current views for status; `ledgers` for slot values. Writer thread only.
std::shared_ptr<const SummaryView> BuildSummary(const Board& board,
                                                const std::vector<StationLedger>& ledgers,
                                                const PollingDay& day, Instant now);

// The same, for a caller that builds the summary again and again: each station's rows in the
// turnout JSON and CSV are kept and rendered again only when its slot values change, which
// is most of the cost of a build. Not thread-safe; one per writer.
class SummaryBuilder {
 public:
  std::shared_ptr<const SummaryView> Build(const Board& board,
                                           const std::vector<StationLedger>& ledgers,
                                           const PollingDay& day, Instant now);

 private:
  struct StationRows {
    bool valid = false;
    std::vector<SlotValue> values;  // what `json` and `csv` were rendered from
    std::string json;               // the station's entry in turnout_json's "stations"
    std::string csv;                // its line of turnout_csv, with the newline
  };
  // Station `i`'s rows for `values`: the kept ones when they were rendered from the same
  // values, else rendered again and kept.
  const StationRows& RowsFor(std::uint32_t i, const Station& station,
                             const std::vector<EciSlot>& slots,
                             const std::vector<SlotValue>& values);

  std::vector<StationRows> rows_;
};

}  // namespace psm
