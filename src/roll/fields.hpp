// Building blocks for validating roll files: columns found by name, typed field parsers, and an
// error list that keeps the first N messages (by line) in the `file:line: column: reason` form.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "roll/csv_reader.hpp"

namespace psm::roll {

// Collects the errors of one file. Keeps the `max` messages with the smallest line numbers,
// whatever order they are added in, and counts all of them. Not thread-safe.
class ErrorSink {
 public:
  ErrorSink(std::string file, std::size_t max) : file_(std::move(file)), max_(max) {}

  // Records "<file>:<line>: <column>: <reason>".
  void Add(std::uint64_t line, std::string_view column, std::string_view reason);
  // Every error found, including those not kept.
  std::uint64_t count() const { return count_; }
  // The kept messages in line order.
  std::vector<std::string> Messages() const;
  const std::string& file() const { return file_; }

 private:
  struct Entry {
    std::uint64_t line;
    std::string message;
  };
  std::string file_;
  std::size_t max_;
  std::uint64_t count_ = 0;
  std::vector<Entry> kept_;  // sorted by line, stable for equal lines
};

struct ColumnSpec {
  std::string_view name;  // lower case
  bool required = true;   // an optional column may be absent; its values then read as ""
};

// Positions of wanted columns in a header row; absent optional columns are nullopt.
using ColumnIndex = std::vector<std::optional<std::size_t>>;

// Finds each spec's column by name (case-insensitive, surrounding blanks ignored; other columns
// are ignored). Reports missing required columns and wanted columns named twice to `errors`
// under the column "header". Returns nullopt when any such error was found.
std::optional<ColumnIndex> ResolveColumns(const CsvRecord& header,
                                          std::span<const ColumnSpec> specs, ErrorSink& errors);

// `s` in double quotes for an error message, cut to 40 bytes, line breaks shown as \n.
std::string Quote(std::string_view s);
// ASCII upper-case copy.
std::string ToUpperAscii(std::string_view s);

// Checks a free-text value (a name): at most kMaxTextBytes and no control characters.
// Returns the reason when it is not acceptable.
inline constexpr std::size_t kMaxTextBytes = 200;
std::optional<std::string> CheckText(std::string_view s);

// EPIC numbers packed into 64 bits (letters base 26, then the 7 digits), ordered like the
// upper-case strings. PackEpic accepts either case; nullopt if `s` is not an EPIC.
std::optional<std::uint64_t> PackEpic(std::string_view s);
std::string UnpackEpic(std::uint64_t key);

}  // namespace psm::roll
