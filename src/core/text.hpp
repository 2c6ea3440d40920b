// The small text helpers every layer shares: strict number parsing, trimming, splitting on a
// character, UTF-8 checking, CSV fields and JSON strings. Pure functions over bytes: no I/O,
// no locale, and no allocation except where a string is returned or appended to.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace psm {

// ---- numbers ----------------------------------------------------------------------------------

// The whole of `s` as a T, or nullopt. Accepted: for a signed T an optional '-' then digits, for
// an unsigned T digits only. Refused: empty text, blanks, '+', trailing bytes, and values outside
// T's range (never wrapped or clamped). Leading zeros are fine ("007" is 7).
template <std::integral T>
std::optional<T> ParseInt(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The whole of `s` as a T when it is ASCII digits only: no sign at all, even for a signed T (for
// fields such as the parts of a date or a station id, where "-1" is malformed, not negative).
// nullopt for empty text, anything but digits, or a value outside T's range.
template <std::integral T>
std::optional<T> ParseDigits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return ParseInt<T>(s);
}

// The whole of `s` as a finite double, or nullopt: decimal or exponent form ("-0.5", "1e3");
// not blanks, '+', "inf", "nan", hexadecimal or a value too large for a double. Independent of
// the locale (always a '.').
std::optional<double> ParseFiniteDouble(std::string_view s);

// ---- trimming and splitting -------------------------------------------------------------------

// Spaces and tabs: the blanks inside one line (a CSV field, a header entry).
inline constexpr std::string_view kBlanks = " \t";
// Blanks and line breaks: what surrounds a line read from a file, or a blank free-text reason.
inline constexpr std::string_view kWhitespace = " \t\r\n";

// `s` without the leading and trailing characters found in `chars`; a view into `s`.
std::string_view Trim(std::string_view s, std::string_view chars = kWhitespace);

// The pieces of a text between the separators, in order, as views into the text. n separators
// give n + 1 pieces, empty ones included: "a,,b" gives "a", "", "b"; "a," gives "a", ""; "" gives
// one empty piece. Callers that ignore empty pieces skip them. Walked lazily with a range-for,
// so splitting allocates nothing; the text must outlive the walk.
class SplitView {
 public:
  class Iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;

    Iterator() = default;
    Iterator(std::string_view text, char sep) : rest_(text), sep_(sep) { ++*this; }

    std::string_view operator*() const { return piece_; }
    Iterator& operator++() {
      if (last_) {
        done_ = true;
        return *this;
      }
      const auto at = rest_.find(sep_);
      piece_ = rest_.substr(0, at);
      if (at == std::string_view::npos) {
        last_ = true;
      } else {
        rest_.remove_prefix(at + 1);
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return done_; }

   private:
    std::string_view rest_;
    std::string_view piece_;
    char sep_ = ',';
    bool last_ = false;  // piece_ is the last piece
    bool done_ = false;  // past the last piece
  };

  SplitView(std::string_view text, char sep) : text_(text), sep_(sep) {}
  Iterator begin() const { return Iterator(text_, sep_); }
  std::default_sentinel_t end() const { return {}; }

 private:
  std::string_view text_;
  char sep_;
};

// The pieces of `text` between `sep`s (see SplitView): `for (std::string_view item : Split(s,
// ','))`.
inline SplitView Split(std::string_view text, char sep) {
  return SplitView(text, sep);
}

// ---- UTF-8 ------------------------------------------------------------------------------------

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// ---- CSV --------------------------------------------------------------------------------------

// Whether a field that could start a spreadsheet formula is defused.
//  kNone: written exactly as given. For files psm itself reads back (the demo roll, which
//    `psm import` reads): there a leading '-' or '=' is data and must round-trip byte for byte.
//  kFormula: a field starting with '=', '+', '-', '@', TAB or CR gets a leading '\'' so a
//    spreadsheet shows it as text instead of running it. For exports meant for people (audit log,
//    reports, turnout), where an officer-typed reason or an imported name is never run as a
//    formula.
enum class CsvGuard { kNone, kFormula };

// Whether a field is quoted only when it must be (it holds a comma, quote or line break) or
// always (the turnout sheet quotes every name, so the column reads the same everywhere).
enum class CsvQuoting { kWhenNeeded, kAlways };

// Appends `s` to `out` as one RFC 4180 field: guarded as `guard` says, then, when quoted,
// wrapped in '"' with every inner '"' doubled.
void AppendCsvField(std::string& out, std::string_view s, CsvGuard guard,
                    CsvQuoting quoting = CsvQuoting::kWhenNeeded);

// The field AppendCsvField would append, as a string (for writers built on streams).
std::string CsvField(std::string_view s, CsvGuard guard,
                     CsvQuoting quoting = CsvQuoting::kWhenNeeded);

// ---- JSON -------------------------------------------------------------------------------------

// Appends `s` to `out` as the inside of a JSON string, without the surrounding quotes: '"' and
// '\' escaped, control characters as \b \f \n \r \t or \u00XX, everything else as it is. Bytes
// that are not well-formed UTF-8 become \ufffd (one per byte), so the result is always valid
// JSON whatever the input; well-formed UTF-8 passes through unchanged.
void AppendJsonEscaped(std::string& out, std::string_view s);

// Appends `s` to `out` as a complete JSON string: '"', AppendJsonEscaped(s), '"'.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace psm
