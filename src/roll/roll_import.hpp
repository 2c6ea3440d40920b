// ImportRoll: validates constituencies.csv, stations.csv and electors.csv from a directory and
// upserts them into a Store, one transaction per file. Formats: docs/data-formats.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "roll/roll_files.hpp"
#include "store/store.hpp"

namespace psm::roll {

inline constexpr std::string_view kConstituenciesFile = "constituencies.csv";
inline constexpr std::string_view kStationsFile = "stations.csv";
inline constexpr std::string_view kElectorsFile = "electors.csv";

struct ImportOptions {
  // Error messages listed per file; further errors are counted but not listed.
  std::size_t max_errors = 50;
  // Validate everything against the store but write nothing.
  bool dry_run = false;
  // Progress while electors.csv is read (may be empty); see ProgressPrinter.
  ProgressFn progress;
};

enum class FileOutcome {
  kNotRead,   // an earlier file failed, or a file is missing
  kRejected,  // the file has errors; nothing from it was written
  kImported,  // valid; new and changed rows were committed in one transaction
  kChecked,   // valid; dry run, nothing written
  kFailed,    // valid, but the store failed; nothing from it was written
};
std::string_view ToString(FileOutcome outcome);

struct FileCounts {
  FileOutcome outcome = FileOutcome::kNotRead;
  std::uint64_t rows = 0;       // data rows read (header and blank lines not counted)
  std::uint64_t added = 0;      // rows new to the store
  std::uint64_t updated = 0;    // rows that replace different stored values
  std::uint64_t unchanged = 0;  // rows identical to the store; not written again
  std::uint64_t errors = 0;     // all errors found, including those not listed
};

// What an import did. Returned whether or not it succeeded.
struct ImportReport {
  FileCounts constituencies;
  FileCounts stations;
  FileCounts electors;
  // One message per line, "file:line: column: reason" (e.g. `stations.csv:14: lat: not a
  // number: "31.3x"`), at most ImportOptions::max_errors per file, in line order. Problems that
  // concern a whole file ("file not found") read "file: reason".
  std::vector<std::string> errors;
  // ok, or the failure: kInvalid (bad rows; detail repeats `errors`), kNotFound (directory or
  // file missing), or the store's own error when a write failed.
  Status status;

  bool ok() const { return status.ok(); }
  // "constituencies.csv: imported, 2 rows (2 added, 0 updated, 0 unchanged)", one line per file.
  std::string Summary() const;
};

// Imports the roll in `dir` into `store`: constituencies.csv, then stations.csv, then
// electors.csv. All three files must exist. Every row is validated before anything of its file
// is written; a file with errors is not written and the files after it are not read. A station
// may refer to an AC from this import or already in the store; an elector likewise to a station.
// Import never deletes: rows absent from a file stay in the store. Only new or changed rows are
// written, so re-importing the same files changes nothing. Blocks on file and store I/O;
// `store` must be migrated and is used from the calling thread only.
ImportReport ImportRoll(Store& store, const std::filesystem::path& dir,
                        const ImportOptions& options = {});

}  // namespace psm::roll
