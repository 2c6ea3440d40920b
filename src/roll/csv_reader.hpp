// Streaming RFC 4180 CSV reader for roll files: quoted fields, doubled quotes, CRLF or LF,
// UTF-8 checked and passed through, optional BOM, and the physical line number of each record.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace psm::roll {

// One record. Fields are views into storage owned by the record, valid until the next
// CsvReader::Next() into it; reusing one record across calls avoids per-field allocations.
class CsvRecord {
 public:
  std::size_t size() const { return ends_.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(data_).substr(begin, ends_[i] - begin);
  }
  // 1-based physical line on which the record starts (a quoted field may span lines).
  std::uint64_t line() const { return line_; }

 private:
  friend class CsvReader;
  void Clear() {
    data_.clear();
    ends_.clear();
  }
  void EndField() { ends_.push_back(static_cast<std::uint32_t>(data_.size())); }

  std::string data_;                 // all fields back to back
  std::vector<std::uint32_t> ends_;  // end offset of each field in data_
  std::uint64_t line_ = 0;
};

// Reads records one at a time from a file (in 1 MiB chunks) or from a string. Not thread-safe;
// blocks on file reads. Malformed input (unterminated quote, stray quote, NUL byte, invalid
// UTF-8, a spreadsheet or UTF-16 file) is reported once; after an error Next() returns it again.
class CsvReader {
 public:
  // Opens `path` for reading. kNotFound if it does not exist, kInvalid if it is not a regular
  // file, kInternal if it cannot be opened.
  static Result<CsvReader> Open(const std::filesystem::path& path);
  // Reads from an in-memory copy of `text` (tests, small inputs).
  static CsvReader FromString(std::string text);

  CsvReader(CsvReader&&) noexcept = default;
  CsvReader& operator=(CsvReader&&) noexcept = default;
  ~CsvReader() = default;

  // Reads the next record into `record`. Returns true when a record was read, false at the end
  // of input, or an Error (kInvalid for malformed input, kInternal for a read failure) whose
  // detail describes the problem without a location; error_line() gives the line. Blank lines
  // (no bytes at all between line breaks) are skipped.
  Result<bool> Next(CsvRecord& record);

  // Line of the last error reported by Next().
  std::uint64_t error_line() const { return error_line_; }
  // Bytes consumed so far and the input size (for progress reporting).
  std::uint64_t bytes_done() const { return consumed_before_ + pos_; }
  std::uint64_t bytes_total() const { return total_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  CsvReader() = default;
  // Makes more input available; false at end of input or on a read error (sets read_failed_).
  bool Refill();
  Result<bool> Fail(std::uint64_t line, std::string detail);
  // Fail on the current line, for the scan functions: always false.
  bool FailHere(std::string detail);
  // Checks the first bytes for a BOM or a known non-text signature.
  std::optional<std::string> CheckSignature();

  // The scan of one record, split by the state of its state machine (csv_reader.cpp). The Scan
  // functions consume input and return false after a Fail (error_ is then set).
  struct Scan;
  // Reads one physical record (a blank line gives one empty field); false at the end of input.
  Result<bool> ReadRecord(CsvRecord& rec, Scan& scan);
  // The input ended while reading `rec`: the last record, unless a quote is still open.
  Result<bool> EndOfInput(CsvRecord& rec, const Scan& scan);
  // Consumes input as the scan's state says: a byte, or a whole run of plain bytes.
  bool ScanStep(CsvRecord& rec, Scan& scan);
  bool ScanUnquoted(CsvRecord& rec, Scan& scan);
  bool ScanQuoted(CsvRecord& rec, Scan& scan);
  // After a quote inside a quoted field: a doubled quote, or the end of the field.
  bool ScanAfterQuote(CsvRecord& rec, Scan& scan);
  // Appends bytes to the record up to the first one `stop` accepts and consumes that one too;
  // returns it, or nullopt when the buffer ran out first (the scan goes on after a refill).
  template <class Stop>
  std::optional<char> TakeRun(CsvRecord& rec, Stop stop);
  // Handles a byte that ends a field (',', '\n' or '\r'); false for any other byte.
  bool EndsField(char c, CsvRecord& rec, Scan& scan);
  void EndLine(CsvRecord& rec, Scan& scan);
  void OpenQuote(Scan& scan);

  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  std::uint64_t consumed_before_ = 0;  // input bytes before buf_[0]
  std::uint64_t total_ = 0;
  std::uint64_t line_ = 1;
  std::uint64_t error_line_ = 0;
  std::optional<Error> error_;
  bool started_ = false;
  bool eof_ = false;
  bool read_failed_ = false;
};

}  // namespace psm::roll
