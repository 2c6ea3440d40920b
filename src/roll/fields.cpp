// Column lookup, field parsers and the error list used by the roll file readers.
#include "roll/fields.hpp"

#include <algorithm>

#include "core/model.hpp"
#include "core/text.hpp"

namespace psm::roll {

void ErrorSink::Add(std::uint64_t line, std::string_view column, std::string_view reason) {
  ++count_;
  if (max_ == 0) return;
  if (kept_.size() == max_ && line >= kept_.back().line) return;
  std::string message = file_;
  message += ':';
  message += std::to_string(line);
  message += ": ";
  message += column;
  message += ": ";
  message += reason;
  const auto at = std::upper_bound(kept_.begin(), kept_.end(), line,
                                   [](std::uint64_t l, const Entry& e) { return l < e.line; });
  kept_.insert(at, Entry{line, std::move(message)});
  if (kept_.size() > max_) kept_.pop_back();
}

std::vector<std::string> ErrorSink::Messages() const {
  std::vector<std::string> out;
  out.reserve(kept_.size());
  for (const auto& e : kept_)
    out.push_back(e.message);
  return out;
}

std::optional<ColumnIndex> ResolveColumns(const CsvRecord& header,
                                          std::span<const ColumnSpec> specs, ErrorSink& errors) {
  ColumnIndex index(specs.size());
  bool ok = true;
  for (std::size_t col = 0; col < header.size(); ++col) {
    const std::string name = ToUpperAscii(Trim(header[col], kBlanks));
    for (std::size_t s = 0; s < specs.size(); ++s) {
      if (ToUpperAscii(specs[s].name) != name) continue;
      if (index[s]) {
        errors.Add(header.line(), "header",
                   "column \"" + std::string(specs[s].name) + "\" appears twice (columns " +
                       std::to_string(*index[s] + 1) + " and " + std::to_string(col + 1) + ")");
        ok = false;
      } else {
        index[s] = col;
      }
    }
  }
  for (std::size_t s = 0; s < specs.size(); ++s) {
    if (!index[s] && specs[s].required) {
      errors.Add(header.line(), "header", "missing column \"" + std::string(specs[s].name) + "\"");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return index;
}

std::string Quote(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    if (s[i] == '\n') {
      out += "\\n";
    } else if (s[i] == '\r') {
      out += "\\r";
    } else {
      out += s[i];
    }
  }
  if (s.size() > kMax) out += "...";
  out += '"';
  return out;
}

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::optional<std::string> CheckText(std::string_view s) {
  if (s.size() > kMaxTextBytes) {
    return "longer than " + std::to_string(kMaxTextBytes) + " bytes";
  }
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return "contains a line break or other control character";
  }
  return std::nullopt;
}

std::optional<std::uint64_t> PackEpic(std::string_view s) {
  if (!IsEpic(s)) return std::nullopt;
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = s[i];
    key = key * 26 + static_cast<std::uint64_t>((c >= 'a' ? c - 'a' : c - 'A'));
  }
  for (std::size_t i = 3; i < 10; ++i)
    key = key * 10 + static_cast<std::uint64_t>(s[i] - '0');
  return key;
}

std::string UnpackEpic(std::uint64_t key) {
  std::string out(10, '0');
  for (std::size_t i = 10; i-- > 3;) {
    out[i] = static_cast<char>('0' + key % 10);
    key /= 10;
  }
  for (std::size_t i = 3; i-- > 0;) {
    out[i] = static_cast<char>('A' + key % 26);
    key /= 26;
  }
  return out;
}

}  // namespace psm::roll
