// Field parsers, column lookup by name, EPIC packing and the error list.
#include "roll/fields.hpp"

#include <gtest/gtest.h>

#include <array>

namespace psm::roll {
namespace {

TEST(ErrorSink, KeepsTheFirstMessagesByLineAndCountsAll) {
  ErrorSink sink("electors.csv", 3);
  sink.Add(5, "epic", "e5");
  sink.Add(9, "epic", "e9");
  sink.Add(7, "station_id", "s7");
  sink.Add(12, "epic", "e12");  // beyond the cap and after the kept lines: counted only
  sink.Add(2, "epic", "e2");    // found later (duplicate pass) but earlier in the file
  EXPECT_EQ(sink.count(), 5u);
  EXPECT_EQ(sink.Messages(),
            (std::vector<std::string>{"electors.csv:2: epic: e2", "electors.csv:5: epic: e5",
                                      "electors.csv:7: station_id: s7"}));
}

TEST(ErrorSink, SameLineKeepsInsertionOrder) {
  ErrorSink sink("s.csv", 10);
  sink.Add(4, "lat", "a");
  sink.Add(4, "lon", "b");
  EXPECT_EQ(sink.Messages(), (std::vector<std::string>{"s.csv:4: lat: a", "s.csv:4: lon: b"}));
}

CsvRecord HeaderOf(std::string text) {
  auto reader = CsvReader::FromString(std::move(text));
  CsvRecord rec;
  EXPECT_TRUE(reader.Next(rec).ok());
  return rec;
}

TEST(ResolveColumns, ByNameCaseInsensitiveTrimmedExtraIgnored) {
  constexpr std::array<ColumnSpec, 3> kSpecs = {{{"epic"}, {"station_id"}, {"note", false}}};
  ErrorSink errors("e.csv", 10);
  const auto index = ResolveColumns(HeaderOf("Name, Station_ID ,EPIC,age\n"), kSpecs, errors);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ((*index)[0], std::optional<std::size_t>(2));
  EXPECT_EQ((*index)[1], std::optional<std::size_t>(1));
  EXPECT_EQ((*index)[2], std::nullopt);
  EXPECT_EQ(errors.count(), 0u);
}

TEST(ResolveColumns, MissingAndDuplicateColumns) {
  constexpr std::array<ColumnSpec, 3> kSpecs = {{{"lat"}, {"lon"}, {"name"}}};
  ErrorSink errors("stations.csv", 10);
  EXPECT_FALSE(ResolveColumns(HeaderOf("lat,name,LAT\n"), kSpecs, errors).has_value());
  EXPECT_EQ(errors.Messages(),
            (std::vector<std::string>{
                "stations.csv:1: header: column \"lat\" appears twice (columns 1 and 3)",
                "stations.csv:1: header: missing column \"lon\""}));
}

// Whole numbers, decimals and trimming are core/text.hpp's (ParseInt, ParseFiniteDouble, Trim),
// tested in core/text_test.cpp with the cases that stood here.

TEST(Fields, QuoteAndText) {
  EXPECT_EQ(Quote("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(Quote(std::string(50, 'x')), "\"" + std::string(40, 'x') + "...\"");
  EXPECT_EQ(CheckText("Govt. School, Room 2"), std::nullopt);
  EXPECT_EQ(CheckText("Room\n2"), "contains a line break or other control character");
  EXPECT_EQ(CheckText(std::string(201, 'x')), "longer than 200 bytes");
}

TEST(Fields, EpicPackingRoundTripsAndKeepsOrder) {
  EXPECT_EQ(PackEpic("jlw0000001"), PackEpic("JLW0000001"));
  EXPECT_EQ(UnpackEpic(*PackEpic("jlw0000001")), "JLW0000001");
  EXPECT_EQ(UnpackEpic(*PackEpic("ZZZ9999999")), "ZZZ9999999");
  EXPECT_EQ(UnpackEpic(*PackEpic("AAA0000000")), "AAA0000000");
  EXPECT_LT(*PackEpic("ABC9999999"), *PackEpic("ABD0000000"));
  EXPECT_LT(*PackEpic("AZZ9999999"), *PackEpic("BAA0000000"));
  EXPECT_EQ(PackEpic("AB12345678"), std::nullopt);
  EXPECT_EQ(PackEpic("ABC123456"), std::nullopt);
}

}  // namespace
}  // namespace psm::roll
