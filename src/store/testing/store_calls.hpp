// Test support: the store calls tests want that production never makes — reports committed
// without audit rows, and one session looked up by its hash — written over the Store interface.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace psm::testing {

// Store::CommitReports of `reports` alone: one outcome per report, in order.
Result<std::vector<InsertOutcome>> InsertReports(Store& store, const std::vector<Report>& reports);
// The stored session with this token hash, expired or not, if any.
Result<std::optional<SessionRecord>> FindSession(Store& store, std::string_view token_hash);

}  // namespace psm::testing
