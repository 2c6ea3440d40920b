// CSV reader edge cases: quoting, line endings, BOM, line numbers, malformed and binary input.
#include "roll/csv_reader.hpp"

#include <gtest/gtest.h>

#include "roll/roll_test_util.hpp"

namespace psm::roll {
namespace {

struct Rec {
  std::uint64_t line;
  std::vector<std::string> fields;
  bool operator==(const Rec&) const = default;
};

void PrintTo(const Rec& r, std::ostream* os) {
  *os << r.line << ":";
  for (const auto& f : r.fields)
    *os << " [" << f << "]";
}

std::vector<Rec> ReadAll(CsvReader& reader) {
  std::vector<Rec> out;
  CsvRecord rec;
  for (;;) {
    auto more = reader.Next(rec);
    EXPECT_TRUE(more.ok()) << more.error().detail << " at line " << reader.error_line();
    if (!more.ok() || !*more) return out;
    Rec r{rec.line(), {}};
    for (std::size_t i = 0; i < rec.size(); ++i)
      r.fields.emplace_back(rec[i]);
    out.push_back(std::move(r));
  }
}

std::vector<Rec> Parse(std::string text) {
  auto reader = CsvReader::FromString(std::move(text));
  return ReadAll(reader);
}

// Reads until the first error and returns "line: detail", or "" when there is none.
std::string FirstError(std::string text) {
  auto reader = CsvReader::FromString(std::move(text));
  CsvRecord rec;
  for (;;) {
    auto more = reader.Next(rec);
    if (!more.ok()) return std::to_string(reader.error_line()) + ": " + more.error().detail;
    if (!*more) return "";
  }
}

TEST(CsvReader, PlainRecordsWithLineNumbers) {
  EXPECT_EQ(Parse("a,b\n1,2\n3,4\n"),
            (std::vector<Rec>{{1, {"a", "b"}}, {2, {"1", "2"}}, {3, {"3", "4"}}}));
}

TEST(CsvReader, CrLfAndMissingFinalNewline) {
  EXPECT_EQ(Parse("a,b\r\n1,2\r\n3,4"),
            (std::vector<Rec>{{1, {"a", "b"}}, {2, {"1", "2"}}, {3, {"3", "4"}}}));
}

TEST(CsvReader, QuotedFieldsWithCommasQuotesAndNewlines) {
  const auto recs = Parse(
      "name,n\n"
      "\"School, Basti Sheikh\",1\n"
      "\"He said \"\"go\"\"\",2\n"
      "\"Room 2\nfirst floor\",3\n"
      "\"\",4\n");
  EXPECT_EQ(recs, (std::vector<Rec>{{1, {"name", "n"}},
                                    {2, {"School, Basti Sheikh", "1"}},
                                    {3, {"He said \"go\"", "2"}},
                                    {4, {"Room 2\nfirst floor", "3"}},
                                    {6, {"", "4"}}}));  // line 6: the quoted newline counts
}

TEST(CsvReader, CrLfInsideQuotesIsKeptAndCounted) {
  EXPECT_EQ(Parse("\"a\r\nb\",x\r\nnext,y\r\n"),
            (std::vector<Rec>{{1, {"a\r\nb", "x"}}, {3, {"next", "y"}}}));
}

TEST(CsvReader, EmptyFieldsAndBlankLines) {
  EXPECT_EQ(Parse("a,,c\n\n,,\n\r\n\"\"\nlast\n\n"),
            (std::vector<Rec>{{1, {"a", "", "c"}}, {3, {"", "", ""}}, {5, {""}}, {6, {"last"}}}));
}

TEST(CsvReader, Utf8BomIsDroppedAndUtf8PassesThrough) {
  const auto recs = Parse(
      "\xEF\xBB\xBF"
      "ac,name\n34,\xE0\xA8\x9C\xE0\xA8\xB2\xE0\xA9\xB0\xE0\xA8\xA7\xE0\xA8\xB0\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields[0], "ac");
  EXPECT_EQ(recs[1].fields[1], "\xE0\xA8\x9C\xE0\xA8\xB2\xE0\xA9\xB0\xE0\xA8\xA7\xE0\xA8\xB0");
}

TEST(CsvReader, BlanksAroundAQuotedFieldAreTolerated) {
  EXPECT_EQ(Parse("34, \"Jalandhar West\" ,SC\n"),
            (std::vector<Rec>{{1, {"34", "Jalandhar West", "SC"}}}));
}

TEST(CsvReader, EmptyInput) {
  EXPECT_TRUE(Parse("").empty());
  EXPECT_TRUE(Parse("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(Parse("\n\n").empty());
}

TEST(CsvReader, MalformedInputIsReportedWithItsLine) {
  EXPECT_EQ(FirstError("a,b\n1,\"open\n2,3\n"),
            "2: quoted field is never closed (missing closing '\"')");
  EXPECT_EQ(FirstError("a,b\nx,ab\"c\n"),
            "2: quote character inside an unquoted field (quote the whole field and double the "
            "inner quote: \"a \"\"b\"\" c\")");
  EXPECT_EQ(FirstError("a\n\"ab\"c\n"),
            "2: unexpected character after a closing quote (a quote inside a quoted field must "
            "be doubled)");
  EXPECT_EQ(FirstError("a\nb\rc\n"), "2: carriage return not followed by a line feed");
}

TEST(CsvReader, BinaryAndNonUtf8InputIsRefused) {
  EXPECT_EQ(FirstError(std::string("a,b\n1,2\n3,\0\n", 12)),
            "3: contains a NUL byte: this is not a text file (export the sheet as \"CSV UTF-8\")");
  EXPECT_EQ(FirstError("a,b\n1,2\n\xE9t\xE9,3\n"),
            "3: not valid UTF-8 text (save the file as \"CSV UTF-8\")");
  EXPECT_EQ(FirstError("\xFF\xFE"
                       "a\0,\0"),
            "1: file is UTF-16 text; save it as \"CSV UTF-8\"");
  EXPECT_EQ(FirstError(std::string("PK\x03\x04\x14\0", 6)),
            "1: file is a ZIP archive or an Excel workbook (.xlsx), not CSV; export it as \"CSV "
            "UTF-8\"");
}

TEST(CsvReader, ErrorIsSticky) {
  auto reader = CsvReader::FromString("a\n\"x\n");
  CsvRecord rec;
  ASSERT_TRUE(reader.Next(rec).ok());
  EXPECT_FALSE(reader.Next(rec).ok());
  EXPECT_FALSE(reader.Next(rec).ok());
  EXPECT_EQ(reader.error_line(), 2u);
}

TEST(CsvReader, MissingFileNamesThePath) {
  auto reader = CsvReader::Open("/nonexistent/dir/stations.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reader.error().detail, "file not found: /nonexistent/dir/stations.csv");
}

// Records and CRLFs that straddle the 1 MiB read chunks must parse as if read in one piece.
TEST(CsvReader, FileSpanningManyChunks) {
  testing::TempDir dir;
  std::string text = "epic,station_id,note\r\n";
  std::vector<Rec> expected = {{1, {"epic", "station_id", "note"}}};
  std::uint64_t line = 2;
  for (int i = 0; text.size() < 3 * (std::size_t{1} << 20) + 1000; ++i) {
    const std::string epic = "JLW" + std::to_string(1000000 + i);
    if (i % 1000 == 7) {
      text += epic + ",34-1,\"multi\r\nline, \"\"quoted\"\"\"\r\n";
      expected.push_back({line, {epic, "34-1", "multi\r\nline, \"quoted\""}});
      line += 2;
    } else {
      text += epic + ",34-" + std::to_string(i % 97 + 1) + ",\r\n";
      expected.push_back({line, {epic, "34-" + std::to_string(i % 97 + 1), ""}});
      line += 1;
    }
  }
  testing::WriteFile(dir.path(), "big.csv", text);
  auto reader = CsvReader::Open(dir.path() / "big.csv");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->bytes_total(), text.size());
  EXPECT_EQ(ReadAll(*reader), expected);
  EXPECT_EQ(reader->bytes_done(), text.size());
}

}  // namespace
}  // namespace psm::roll
