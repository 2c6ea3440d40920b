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

Result<bool> CsvReader::Next(CsvRecord& rec) {
  if (error_) return *error_;
  if (!started_) {
    started_ = true;
    if (pos_ == len_) Refill();
    if (auto problem = CheckSignature()) return Fail(1, std::move(*problem));
  }
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteSeen, kAfterQuote, kCr };
  for (;;) {  // one iteration per physical record; blank lines loop again
    rec.Clear();
    rec.line_ = line_;
    State st = State::kFieldStart;
    std::uint64_t quote_line = 0;
    bool any = false;     // consumed at least one byte of this record
    bool quoted = false;  // some field was quoted (so "" is not a blank line)
    bool done = false;
    while (!done) {
      if (pos_ == len_ && !Refill()) {
        if (read_failed_) return Fail(line_, "read error");
        if (!any) return false;
        if (st == State::kQuoted) {
          return Fail(quote_line, "quoted field is never closed (missing closing '\"')");
        }
        rec.EndField();
        break;
      }
      const char* p = buf_.data() + pos_;
      const char* const end = buf_.data() + len_;
      any = true;
      switch (st) {
        case State::kFieldStart:
          if (*p == '"') {
            ++pos_;
            st = State::kQuoted;
            quote_line = line_;
            quoted = true;
          } else {
            st = State::kUnquoted;
          }
          break;
        case State::kUnquoted: {
          const char* q = p;
          while (q < end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"' && *q != '\0')
            ++q;
          rec.data_.append(p, q);
          pos_ += static_cast<std::size_t>(q - p);
          if (q == end) break;
          ++pos_;
          if (*q == ',') {
            rec.EndField();
            st = State::kFieldStart;
          } else if (*q == '\n') {
            ++line_;
            rec.EndField();
            done = true;
          } else if (*q == '\r') {
            st = State::kCr;
          } else if (*q == '"') {
            // Tolerate `a, "b"`: blanks before an opening quote are dropped.
            const std::size_t start = rec.ends_.empty() ? 0 : rec.ends_.back();
            if (rec.data_.find_first_not_of(" \t", start) == std::string::npos) {
              rec.data_.resize(start);
              st = State::kQuoted;
              quote_line = line_;
              quoted = true;
              break;
            }
            return Fail(line_,
                        "quote character inside an unquoted field (quote the whole field and "
                        "double the inner quote: \"a \"\"b\"\" c\")");
          } else {
            return Fail(line_, std::string(kNulMessage));
          }
          break;
        }
        case State::kQuoted: {
          const char* q = p;
          while (q < end && *q != '"' && *q != '\n' && *q != '\0')
            ++q;
          rec.data_.append(p, q);
          pos_ += static_cast<std::size_t>(q - p);
          if (q == end) break;
          ++pos_;
          if (*q == '"') {
            st = State::kQuoteSeen;
          } else if (*q == '\n') {
            rec.data_.push_back('\n');
            ++line_;
          } else {
            return Fail(line_, std::string(kNulMessage));
          }
          break;
        }
        case State::kQuoteSeen:
        case State::kAfterQuote:
          ++pos_;
          if (*p == '"' && st == State::kQuoteSeen) {
            rec.data_.push_back('"');
            st = State::kQuoted;
          } else if (*p == ',') {
            rec.EndField();
            st = State::kFieldStart;
          } else if (*p == '\n') {
            ++line_;
            rec.EndField();
            done = true;
          } else if (*p == '\r') {
            st = State::kCr;
          } else if (*p == ' ' || *p == '\t') {
            st = State::kAfterQuote;  // blanks after a closing quote are dropped
          } else {
            return Fail(line_,
                        "unexpected character after a closing quote (a quote inside a "
                        "quoted field must be doubled)");
          }
          break;
        case State::kCr:
          if (*p != '\n') return Fail(line_, "carriage return not followed by a line feed");
          ++pos_;
          ++line_;
          rec.EndField();
          done = true;
          break;
      }
      if (rec.data_.size() > kMaxRecordBytes) {
        return Fail(quoted ? quote_line : rec.line_,
                    "record is longer than 1 MiB (probably an unbalanced quote)");
      }
    }
    if (rec.size() == 1 && rec.data_.empty() && !quoted) continue;  // blank line
    if (!IsValidUtf8(rec.data_)) {
      return Fail(rec.line_, "not valid UTF-8 text (save the file as \"CSV UTF-8\")");
    }
    return true;
  }
}

}  // namespace psm::roll
