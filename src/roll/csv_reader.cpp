// The CSV state machine. Plain runs of bytes are appended in one go, so the per-byte work is a
// table-free comparison loop; a 25 MB elector file parses in well under a second.
#include "roll/csv_reader.hpp"

#include <system_error>

#include "core/text.hpp"

namespace psm::roll {
namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;
// A record this long is almost certainly an unbalanced quote swallowing the rest of the file.
constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;

constexpr std::string_view kNulMessage =
    "contains a NUL byte: this is not a text file (export the sheet as \"CSV UTF-8\")";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Result<CsvReader> CsvReader::Open(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Error::NotFound("file_not_found", "file not found: " + path.string());
  }
  if (ec) {
    return Error::Internal("file_open_failed",
                           "cannot open " + path.string() + ": " + ec.message());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Error::Invalid("not_a_file", "not a regular file: " + path.string());
  }
  CsvReader reader;
  reader.total_ = std::filesystem::file_size(path, ec);
  if (ec) reader.total_ = 0;
  reader.file_.reset(std::fopen(path.c_str(), "rb"));
  if (!reader.file_) {
    return Error::Internal("file_open_failed",
                           "cannot open " + path.string() + ": " +
                               std::error_code(errno, std::generic_category()).message());
  }
  reader.buf_.resize(kChunk);
  return reader;
}

CsvReader CsvReader::FromString(std::string text) {
  CsvReader reader;
  reader.total_ = text.size();
  reader.len_ = text.size();
  reader.buf_ = std::move(text);
  return reader;
}

bool CsvReader::Refill() {
  if (!file_ || eof_) return false;
  consumed_before_ += len_;
  pos_ = 0;
  len_ = std::fread(buf_.data(), 1, buf_.size(), file_.get());
  if (len_ == 0) {
    eof_ = true;
    read_failed_ = std::ferror(file_.get()) != 0;
    return false;
  }
  return true;
}

Result<bool> CsvReader::Fail(std::uint64_t line, std::string detail) {
  error_line_ = line;
  error_ = read_failed_ ? Error::Internal("read_failed", std::move(detail))
                        : Error::Invalid("csv_malformed", std::move(detail));
  return *error_;
}

bool CsvReader::FailHere(std::string detail) {
  (void)Fail(line_, std::move(detail));
  return false;
}

std::optional<std::string> CsvReader::CheckSignature() {
  const std::string_view head = std::string_view(buf_).substr(0, len_);
  if (StartsWith(head, "\xEF\xBB\xBF")) {
    pos_ = 3;  // UTF-8 byte order mark, as written by Excel's "CSV UTF-8"
    return std::nullopt;
  }
  if (StartsWith(head, "\xFF\xFE") || StartsWith(head, "\xFE\xFF")) {
    return "file is UTF-16 text; save it as \"CSV UTF-8\"";
  }
  if (StartsWith(head, "PK\x03\x04")) {
    return "file is a ZIP archive or an Excel workbook (.xlsx), not CSV; export it as "
           "\"CSV UTF-8\"";
  }
  if (StartsWith(head, "\xD0\xCF\x11\xE0")) {
    return "file is an old Excel workbook (.xls), not CSV; export it as \"CSV UTF-8\"";
  }
  return std::nullopt;
}

// Where the scan of one physical record stands; it may pause at the end of a buffer and go on
// after a refill.
struct CsvReader::Scan {
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteSeen, kAfterQuote, kCr };
  State st = State::kFieldStart;
  std::uint64_t quote_line = 0;  // line of the last opening quote
  bool any = false;              // consumed at least one byte of this record
  bool quoted = false;           // some field was quoted (so "" is not a blank line)
  bool done = false;             // the record's line break has been read
};

Result<bool> CsvReader::Next(CsvRecord& rec) {
  if (error_) return *error_;
  if (!started_) {
    started_ = true;
    if (pos_ == len_) Refill();
    if (auto problem = CheckSignature()) return Fail(1, std::move(*problem));
  }
  for (;;) {
    Scan scan;
    auto read = ReadRecord(rec, scan);
    if (!read.ok() || !*read) return read;
    if (rec.size() == 1 && rec.data_.empty() && !scan.quoted) continue;  // a blank line
    if (!IsValidUtf8(rec.data_)) {
      return Fail(rec.line_, "not valid UTF-8 text (save the file as \"CSV UTF-8\")");
    }
    return true;
  }
}

Result<bool> CsvReader::ReadRecord(CsvRecord& rec, Scan& scan) {
  rec.Clear();
  rec.line_ = line_;
  while (!scan.done) {
    if (pos_ == len_ && !Refill()) return EndOfInput(rec, scan);
    scan.any = true;
    if (!ScanStep(rec, scan)) return *error_;
    if (rec.data_.size() > kMaxRecordBytes) {
      return Fail(scan.quoted ? scan.quote_line : rec.line_,
                  "record is longer than 1 MiB (probably an unbalanced quote)");
    }
  }
  return true;
}

Result<bool> CsvReader::EndOfInput(CsvRecord& rec, const Scan& scan) {
  if (read_failed_) return Fail(line_, "read error");
  if (!scan.any) return false;
  if (scan.st == Scan::State::kQuoted) {
    return Fail(scan.quote_line, "quoted field is never closed (missing closing '\"')");
  }
  rec.EndField();  // the last line has no line break
  return true;
}

bool CsvReader::ScanStep(CsvRecord& rec, Scan& scan) {
  using State = Scan::State;
  switch (scan.st) {
    case State::kFieldStart:
      if (buf_[pos_] == '"') {
        ++pos_;
        OpenQuote(scan);
      } else {
        scan.st = State::kUnquoted;
      }
      return true;
    case State::kUnquoted:
      return ScanUnquoted(rec, scan);
    case State::kQuoted:
      return ScanQuoted(rec, scan);
    case State::kQuoteSeen:
    case State::kAfterQuote:
      return ScanAfterQuote(rec, scan);
    case State::kCr:
      if (buf_[pos_] != '\n') return FailHere("carriage return not followed by a line feed");
      ++pos_;
      EndLine(rec, scan);
      return true;
  }
  return true;
}

template <class Stop>
std::optional<char> CsvReader::TakeRun(CsvRecord& rec, Stop stop) {
  const char* const p = buf_.data() + pos_;
  const char* const end = buf_.data() + len_;
  const char* q = p;
  while (q < end && !stop(*q))
    ++q;
  rec.data_.append(p, q);
  pos_ += static_cast<std::size_t>(q - p);
  if (q == end) return std::nullopt;
  ++pos_;
  return *q;
}

bool CsvReader::ScanUnquoted(CsvRecord& rec, Scan& scan) {
  const auto c = TakeRun(
      rec, [](char b) { return b == ',' || b == '\n' || b == '\r' || b == '"' || b == '\0'; });
  if (!c || EndsField(*c, rec, scan)) return true;
  if (*c == '\0') {
    return FailHere(std::string(kNulMessage));
  }
  // A quote. Tolerate `a, "b"`: blanks before an opening quote are dropped.
  const std::size_t start = rec.ends_.empty() ? 0 : rec.ends_.back();
  if (rec.data_.find_first_not_of(kBlanks, start) == std::string::npos) {
    rec.data_.resize(start);
    OpenQuote(scan);
    return true;
  }
  return FailHere(
      "quote character inside an unquoted field (quote the whole field and double the inner "
      "quote: \"a \"\"b\"\" c\")");
}

bool CsvReader::ScanQuoted(CsvRecord& rec, Scan& scan) {
  const auto c = TakeRun(rec, [](char b) { return b == '"' || b == '\n' || b == '\0'; });
  if (!c) return true;
  if (*c == '"') {
    scan.st = Scan::State::kQuoteSeen;
  } else if (*c == '\n') {
    rec.data_.push_back('\n');  // a line break inside quotes is data
    ++line_;
  } else {
    return FailHere(std::string(kNulMessage));
  }
  return true;
}

bool CsvReader::ScanAfterQuote(CsvRecord& rec, Scan& scan) {
  const char c = buf_[pos_++];
  if (c == '"' && scan.st == Scan::State::kQuoteSeen) {  // a doubled quote
    rec.data_.push_back('"');
    scan.st = Scan::State::kQuoted;
    return true;
  }
  if (EndsField(c, rec, scan)) return true;
  if (c == ' ' || c == '\t') {
    scan.st = Scan::State::kAfterQuote;  // blanks after a closing quote are dropped
    return true;
  }
  return FailHere(
      "unexpected character after a closing quote (a quote inside a quoted field must be "
      "doubled)");
}

bool CsvReader::EndsField(char c, CsvRecord& rec, Scan& scan) {
  if (c == ',') {
    rec.EndField();
    scan.st = Scan::State::kFieldStart;
  } else if (c == '\n') {
    EndLine(rec, scan);
  } else if (c == '\r') {
    scan.st = Scan::State::kCr;  // the line feed must follow
  } else {
    return false;
  }
  return true;
}

void CsvReader::EndLine(CsvRecord& rec, Scan& scan) {
  ++line_;
  rec.EndField();
  scan.done = true;
}

void CsvReader::OpenQuote(Scan& scan) {
  scan.st = Scan::State::kQuoted;
  scan.quote_line = line_;
  scan.quoted = true;
}

}  // namespace psm::roll
