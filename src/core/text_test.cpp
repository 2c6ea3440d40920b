#include "core/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace psm {
namespace {

std::vector<std::string> Pieces(std::string_view text, char sep) {
  std::vector<std::string> out;
  for (std::string_view piece : Split(text, sep))
    out.emplace_back(piece);
  return out;
}

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(ParseInt, AcceptsTheWholeTextOnly) {
  EXPECT_EQ(ParseInt<std::int64_t>("34"), 34);
  EXPECT_EQ(ParseInt<std::int64_t>("-3"), -3);
  EXPECT_EQ(ParseInt<std::int64_t>("007"), 7);
  EXPECT_EQ(ParseInt<int>("0"), 0);
  EXPECT_EQ(ParseInt<int>("-0"), 0);
  for (const char* bad :
       {"", "-", "+3", "3.0", "1e3", "3x", " 3", "3 ", "0x10", "--3", "99999999999999999999"}) {
    EXPECT_EQ(ParseInt<std::int64_t>(bad), std::nullopt) << bad;
  }
}

TEST(ParseInt, ChecksTheRangeOfTheType) {
  EXPECT_EQ(ParseInt<std::int64_t>("9223372036854775807"),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ParseInt<std::int64_t>("-9223372036854775808"),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(ParseInt<std::int64_t>("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInt<std::uint16_t>("65535"), 65535);
  EXPECT_EQ(ParseInt<std::uint16_t>("65536"), std::nullopt);
  EXPECT_EQ(ParseInt<int>("2147483648"), std::nullopt);
  EXPECT_EQ(ParseInt<std::uint64_t>("18446744073709551615"),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(ParseInt<std::uint64_t>("18446744073709551616"), std::nullopt);
}

TEST(ParseInt, UnsignedTypesRefuseASign) {
  EXPECT_EQ(ParseInt<unsigned>("-1"), std::nullopt);
  EXPECT_EQ(ParseInt<std::size_t>("-0"), std::nullopt);
  EXPECT_EQ(ParseInt<std::size_t>("+1"), std::nullopt);
  EXPECT_EQ(ParseInt<std::size_t>("12"), 12u);
}

TEST(ParseDigits, RefusesEverySignEvenForSignedTypes) {
  EXPECT_EQ(ParseDigits<int>("2026"), 2026);
  EXPECT_EQ(ParseDigits<int>("09"), 9);
  for (const char* bad : {"", "-1", "-0", "+1", "1-", " 1", "1 ", "1.0", "x"}) {
    EXPECT_EQ(ParseDigits<int>(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(ParseDigits<int>("99999999999"), std::nullopt);  // digits, but out of range
  EXPECT_EQ(ParseDigits<unsigned char>("255"), 255);
  EXPECT_EQ(ParseDigits<unsigned char>("256"), std::nullopt);
}

TEST(ParseFiniteDouble, DecimalsAndExponents) {
  EXPECT_EQ(ParseFiniteDouble("31.326"), 31.326);
  EXPECT_EQ(ParseFiniteDouble("-0.5"), -0.5);
  EXPECT_EQ(ParseFiniteDouble("75"), 75.0);
  EXPECT_EQ(ParseFiniteDouble("1e3"), 1000.0);
  EXPECT_EQ(ParseFiniteDouble(".5"), 0.5);
  for (const char* bad : {"", "31.3x", "nan", "NaN", "inf", "-inf", "infinity", "0x1p3", "1,5",
                          "31.3 ", " 31.3", "+1", "1e400", "-", "."}) {
    EXPECT_EQ(ParseFiniteDouble(bad), std::nullopt) << bad;
  }
}

TEST(Trim, RemovesOnlyTheNamedCharactersAtTheEnds) {
  EXPECT_EQ(Trim(" \t34 \t", kBlanks), "34");
  EXPECT_EQ(Trim("  ", kBlanks), "");
  EXPECT_EQ(Trim("", kBlanks), "");
  EXPECT_EQ(Trim("a b", kBlanks), "a b");    // inner blanks stay
  EXPECT_EQ(Trim("34\r", kBlanks), "34\r");  // a line break is not a blank
  EXPECT_EQ(Trim(" x = y \r\n"), "x = y");   // the default: blanks and line breaks
  EXPECT_EQ(Trim("\r\n\t "), "");
  EXPECT_EQ(Trim("--a--", "-"), "a");
  const std::string text = "  kept  ";
  const std::string_view trimmed = Trim(text);
  EXPECT_EQ(trimmed.data(), text.data() + 2);  // a view into the text, not a copy
}

TEST(Split, GivesEveryPieceIncludingEmptyOnes) {
  EXPECT_EQ(Pieces("a,b,c", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Pieces("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Pieces("a,", ','), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(Pieces(",a", ','), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(Pieces("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(Pieces(",", ','), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(Pieces("no separator", ','), (std::vector<std::string>{"no separator"}));
  EXPECT_EQ(Pieces(" a , b ", ','), (std::vector<std::string>{" a ", " b "}));  // not trimmed
  EXPECT_EQ(Pieces("10.0.0.0/8;::1", ';'), (std::vector<std::string>{"10.0.0.0/8", "::1"}));
}

TEST(Split, PiecesAreViewsIntoTheText) {
  const std::string text = "ab,cd";
  std::vector<const char*> starts;
  for (std::string_view piece : Split(text, ','))
    starts.push_back(piece.data());
  EXPECT_EQ(starts, (std::vector<const char*>{text.data(), text.data() + 3}));
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE0\xA8\x9C\xF0\x9F\x97\xB3"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF, the last code point
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));       // U+E000, just past the surrogates
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE0\xA8"));          // truncated
  EXPECT_FALSE(IsValidUtf8("ok\xC3"));            // truncated at the very end
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));  // lead byte past F4
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));          // lead byte without its continuation
}

TEST(CsvField, QuotedOnlyWhenItMustBe) {
  EXPECT_EQ(CsvField("plain", CsvGuard::kNone), "plain");
  EXPECT_EQ(CsvField("", CsvGuard::kNone), "");
  EXPECT_EQ(CsvField("a,b", CsvGuard::kNone), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\"", CsvGuard::kNone), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines", CsvGuard::kNone), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r", CsvGuard::kNone), "\"cr\r\"");
  EXPECT_EQ(CsvField("tab\there", CsvGuard::kNone), "tab\there");
  EXPECT_EQ(CsvField("ਜਲੰਧਰ", CsvGuard::kNone), "ਜਲੰਧਰ");
}

TEST(CsvField, AlwaysQuotedWhenAsked) {
  EXPECT_EQ(CsvField("A", CsvGuard::kNone, CsvQuoting::kAlways), "\"A\"");
  EXPECT_EQ(CsvField("", CsvGuard::kNone, CsvQuoting::kAlways), "\"\"");
  EXPECT_EQ(CsvField("B, \"quoted\"", CsvGuard::kNone, CsvQuoting::kAlways),
            "\"B, \"\"quoted\"\"\"");
}

TEST(CsvField, WithoutTheGuardEveryValueRoundTrips) {
  // The demo roll is read back by `psm import`: a negative coordinate or an id must not change.
  for (const char* value : {"-31.326", "=1+1", "+91", "@home", "-"}) {
    EXPECT_EQ(CsvField(value, CsvGuard::kNone), value);
  }
}

TEST(CsvField, TheGuardDefusesFormulas) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")", CsvGuard::kFormula), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("=1+1", CsvGuard::kFormula), "'=1+1");
  EXPECT_EQ(CsvField("+91", CsvGuard::kFormula), "'+91");
  EXPECT_EQ(CsvField("-2", CsvGuard::kFormula), "'-2");
  EXPECT_EQ(CsvField("@SUM(A1)", CsvGuard::kFormula), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\t=1+1", CsvGuard::kFormula), "'\t=1+1");
  EXPECT_EQ(CsvField("\r=1+1", CsvGuard::kFormula), "\"'\r=1+1\"");
  EXPECT_EQ(CsvField("=a,b", CsvGuard::kFormula), "\"'=a,b\"");
  EXPECT_EQ(CsvField("=A", CsvGuard::kFormula, CsvQuoting::kAlways), "\"'=A\"");
  // Only the first character counts, and only those six.
  for (const char* value : {"a=b", "", "'quoted", "1-2", "#tag", " =x"}) {
    EXPECT_EQ(CsvField(value, CsvGuard::kFormula), value) << value;
  }
}

TEST(CsvField, AppendsToWhatIsThere) {
  std::string row = "34,";
  AppendCsvField(row, "a,b", CsvGuard::kNone);
  row += ',';
  AppendCsvField(row, "-1", CsvGuard::kFormula);
  EXPECT_EQ(row, "34,\"a,b\",'-1");
}

TEST(Json, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("plain"), "\"plain\"");
  EXPECT_EQ(Json("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Json("C:\\path"), "\"C:\\\\path\"");
  EXPECT_EQ(Json("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(Json(std::string_view("\0\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(Json("\x7f/"), "\"\x7f/\"");  // DEL and '/' need no escape
}

TEST(Json, PassesWellFormedUtf8Through) {
  EXPECT_EQ(Json("ਜਲੰਧਰ é 🗳"), "\"ਜਲੰਧਰ é 🗳\"");
}

TEST(Json, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(Json("\xC3"), "\"\\ufffd\"");  // truncated at the end
  EXPECT_EQ(Json("\xE0\xA8"
                 "x"),
            "\"\\ufffd\\ufffdx\"");  // one per byte of a broken sequence
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(Json("\xC3\xA9\x80"), "\"\xC3\xA9\\ufffd\"");        // good, then stray
}

TEST(Json, AnyBytesGiveADocumentAParserAccepts) {
  std::string all;
  for (int c = 0; c < 256; ++c)
    all += static_cast<char>(c);
  all += "\xF0\x9F\x97";  // and a truncated 4-byte sequence
  const std::string doc = Json(all);
  const auto parsed = nlohmann::json::parse(doc, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(parsed.is_discarded()) << doc;
  EXPECT_EQ(parsed.get<std::string>().substr(0, 128), all.substr(0, 128));  // ASCII unchanged
}

TEST(Json, EscapedFormHasNoQuotes) {
  std::string out = "{\"msg\":\"";
  AppendJsonEscaped(out, "a\"b");
  out += "\"}";
  EXPECT_EQ(out, "{\"msg\":\"a\\\"b\"}");
}

}  // namespace
}  // namespace psm
