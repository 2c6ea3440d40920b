// Every kind of bad row yields one exact `file:line: column: reason` message, and a file with
// any error leaves the store as it was (its valid rows included) and stops the import.
#include <gtest/gtest.h>

#include "roll/roll_import.hpp"
#include "roll/roll_test_util.hpp"
#include "store/memory/memory_store.hpp"

namespace psm::roll {
namespace {

using testing::CopyFixture;
using testing::FixtureDir;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

using Messages = std::vector<std::string>;

class BadRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Migrate().ok());
    ASSERT_TRUE(ImportRoll(store_, FixtureDir()).ok());
    acs_ = *store_.LoadConstituencies();
    stations_ = *store_.LoadStations();
    electors_ = Electors();
  }

  std::vector<Elector> Electors() {
    std::vector<Elector> out;
    EXPECT_TRUE(store_
                    .ForEachElector([&](const Elector& e) {
                      out.push_back(e);
                      return true;
                    })
                    .ok());
    return out;
  }

  // Imports the fixture with `file` replaced by `content`; expects exactly `expected` and an
  // untouched store.
  ImportReport ExpectRejected(std::string_view file, const std::string& content,
                              const Messages& expected, ImportOptions options = {}) {
    TempDir dir;
    CopyFixture(dir.path());
    WriteFile(dir.path(), file, content);
    auto report = ImportRoll(store_, dir.path(), options);
    EXPECT_FALSE(report.ok());
    if (!report.ok()) {
      EXPECT_EQ(report.status.error().code, ErrorCode::kInvalid);
      EXPECT_EQ(report.status.error().reason, "roll_invalid");
    }
    EXPECT_EQ(report.errors, expected);
    const FileCounts* files[] = {&report.constituencies, &report.stations, &report.electors};
    const std::string_view names[] = {kConstituenciesFile, kStationsFile, kElectorsFile};
    bool later = false;
    for (int i = 0; i < 3; ++i) {
      if (later) {
        EXPECT_EQ(files[i]->outcome, FileOutcome::kNotRead) << names[i];
      }
      if (names[i] == file) {
        EXPECT_EQ(files[i]->outcome, FileOutcome::kRejected);
        later = true;
      }
    }
    EXPECT_EQ(*store_.LoadConstituencies(), acs_);
    EXPECT_EQ(*store_.LoadStations(), stations_);
    EXPECT_EQ(Electors(), electors_);
    return report;
  }

  // The fixture's `file` with line 2 changed (a valid update that must not be applied) and
  // `extra` appended.
  static std::string FixtureWith(std::string_view file, std::string_view extra) {
    std::string text = ReadFile(FixtureDir() / std::string(file));
    if (file == kConstituenciesFile) {
      text.replace(text.find("Jalandhar West"), 14, "Jalandhar West (renamed)");
    } else if (file == kStationsFile) {
      text.replace(text.find("Room 1\""), 7, "Room 9\"");
    } else {
      text.replace(text.find("JLW0000001,34-1"), 15, "JLW0000001,34-2");
    }
    return text + std::string(extra);
  }

  MemoryStore store_;
  std::vector<Constituency> acs_;
  std::vector<Station> stations_;
  std::vector<Elector> electors_;
};

constexpr std::string_view kC = kConstituenciesFile;
constexpr std::string_view kS = kStationsFile;
constexpr std::string_view kE = kElectorsFile;

TEST_F(BadRowsTest, Constituencies) {
  const auto bad = [&](std::string_view extra, const std::string& message) {
    SCOPED_TRACE(std::string(extra));
    ExpectRejected(kC, FixtureWith(kC, extra), {message});
  };
  bad("36,,,\n", "constituencies.csv:4: name: required value is empty");
  bad("3x,Nakodar,,Jalandhar\n", "constituencies.csv:4: ac: not a whole number: \"3x\"");
  bad("1000,Nakodar,,Jalandhar\n", "constituencies.csv:4: ac: out of range 1..999: 1000");
  bad("0,Nakodar,,Jalandhar\n", "constituencies.csv:4: ac: out of range 1..999: 0");
  bad("34,Jalandhar W,SC,Jalandhar\n", "constituencies.csv:4: ac: duplicate of line 2");
  bad("31,Nakodar,OBC,Jalandhar\n",
      "constituencies.csv:4: reserved: must be SC, ST or empty: \"OBC\"");
  bad("31,Nakodar\n", "constituencies.csv:4: row: has 2 fields, the header has 4");
  bad("31,\"Nako\ndar\",,Jalandhar\n",
      "constituencies.csv:4: name: contains a line break or other control character");
  ExpectRejected(kC, "ac,name,district\n34,Jalandhar West,Jalandhar\n",
                 {"constituencies.csv:1: header: missing column \"reserved\""});
  ExpectRejected(kC, "",
                 {"constituencies.csv:1: header: file is empty; the first line must "
                  "name the columns"});
}

std::string StationRow(std::string_view id_ac_part, std::string_view name, std::string_view lat,
                       std::string_view lon, std::string_view electors) {
  return std::string(id_ac_part) + "," + std::string(name) + ",Govt. School,Nakodar," +
         std::string(lat) + "," + std::string(lon) + "," + std::string(electors) + "\n";
}

TEST_F(BadRowsTest, Stations) {
  const auto bad = [&](const std::string& row, const Messages& messages) {
    SCOPED_TRACE(row);
    ExpectRejected(kS, FixtureWith(kS, row), messages);
  };
  const std::string ok_id = "35-7,35,7";
  bad(StationRow(ok_id, "Hall", "31.3x", "75.5", "300,200,0"),
      {"stations.csv:14: lat: not a number: \"31.3x\""});
  bad(StationRow(ok_id, "Hall", "91.5", "75.5", "300,200,0"),
      {"stations.csv:14: lat: out of range -90..90: 91.5"});
  bad(StationRow(ok_id, "Hall", "31.3", "-180.5", "300,200,0"),
      {"stations.csv:14: lon: out of range -180..180: -180.5"});
  bad(StationRow(ok_id, "Hall", "0", "0.0", "300,200,0"),
      {"stations.csv:14: lat,lon: 0,0 is not a polling station location (coordinates missing?)"});
  bad(StationRow(ok_id, "Hall", "", "75.5", "300,200,0"),
      {"stations.csv:14: lat: required value is empty"});
  bad(StationRow("36-1,36,1", "Hall", "31.3", "75.5", "300,200,0"),
      {"stations.csv:14: ac: unknown constituency 36 (not in constituencies.csv or the store)"});
  bad(StationRow("35-7,35,8", "Hall", "31.3", "75.5", "300,200,0"),
      {"stations.csv:14: station_id: \"35-7\" does not match ac and part (35-8)"});
  bad(StationRow("34-1,34,1", "Hall", "31.3", "75.5", "300,200,0"),
      {"stations.csv:14: station_id: duplicate of line 2"});
  bad(StationRow("35/7,35,7", "Hall", "31.3", "75.5", "300,200,0"),
      {"stations.csv:14: station_id: not an AC-PART station id such as \"34-112\": \"35/7\""});
  bad(StationRow(ok_id, "", "31.3", "75.5", "300,200,0"),
      {"stations.csv:14: name: required value is empty"});
  bad(StationRow(ok_id, "Hall", "31.3", "75.5", "-3,200,0"),
      {"stations.csv:14: electors_men: out of range 0..100000: -3"});
  bad(StationRow(ok_id, "Hall", "31.3", "75.5", "300,12.5,0"),
      {"stations.csv:14: electors_women: not a whole number: \"12.5\""});
  bad(StationRow(ok_id, "Hall", "31.3", "75.5", "0,0,0"),
      {"stations.csv:14: electors_men,electors_women,electors_others: total is 0; a polling "
       "station must have electors"});
  // Several problems: every one is listed, in line order.
  bad(StationRow("36-7,36,8", "Hall", "x", "75.5", "300,200,0") +
          StationRow(ok_id, "Hall", "31.3", "75.5", "300,200,") +
          StationRow(ok_id, "Hall", "31.3", "75.5", "300,200,1"),
      {"stations.csv:14: ac: unknown constituency 36 (not in constituencies.csv or the store)",
       "stations.csv:14: station_id: \"36-7\" does not match ac and part (36-8)",
       "stations.csv:14: lat: not a number: \"x\"",
       "stations.csv:15: electors_others: required value is empty",
       "stations.csv:16: station_id: duplicate of line 15"});

  std::string header_typo = ReadFile(FixtureDir() / "stations.csv");
  header_typo.replace(header_typo.find("lat,lon"), 7, "lat,longitude");
  ExpectRejected(kS, header_typo, {"stations.csv:1: header: missing column \"lon\""});
}

TEST_F(BadRowsTest, Electors) {
  ExpectRejected(kE,
                 "epic,station_id\nJLW0000001,34-2\nJLW0000002,34-1\nJLW0000003,34-1\n"
                 "JLW0000004,34-1\nJLW0000005,34-1\nJLW0000006,34-1\nJLW0000007,34-1\n"
                 "jlw0000003,34-2\n",
                 {"electors.csv:9: epic: duplicate of line 4"});
  const auto bad = [&](std::string_view extra, const Messages& messages) {
    SCOPED_TRACE(std::string(extra));
    ExpectRejected(kE, FixtureWith(kE, extra), messages);
  };
  bad("AB12345678,34-1\n",
      {"electors.csv:242: epic: not an EPIC number (3 letters and 7 digits, e.g. ABC1234567): "
       "\"AB12345678\""});
  bad("JLW1234567,34-99\n",
      {"electors.csv:242: station_id: unknown polling station 34-99 (not in stations.csv or the "
       "store)"});
  bad("JLW1234567,36-1\n",
      {"electors.csv:242: station_id: unknown polling station 36-1 (not in stations.csv or the "
       "store)"});
  bad(",34-1\n", {"electors.csv:242: epic: required value is empty"});
  bad("JLW1234567,\n", {"electors.csv:242: station_id: required value is empty"});
  bad(std::string_view("JLW1234567,34-1\0\n", 17),
      {"electors.csv:242: csv: contains a NUL byte: this is not a text file (export the sheet "
       "as \"CSV UTF-8\")"});
  bad("JLW1234567,34-1,\xFF\n",
      {"electors.csv:242: csv: not valid UTF-8 text (save the file as \"CSV UTF-8\")"});
  ExpectRejected(kE, "EPIC,part\nJLW0000001,34-1\n",
                 {"electors.csv:1: header: missing column \"station_id\""});
}

TEST_F(BadRowsTest, ErrorListIsCappedButAllAreCounted) {
  std::string text = "epic,station_id\n";
  for (int i = 0; i < 60; ++i)
    text += "BAD" + std::to_string(i) + ",34-1\n";
  ImportOptions options;
  options.max_errors = 3;
  const auto report = ExpectRejected(
      kE, text,
      {"electors.csv:2: epic: not an EPIC number (3 letters and 7 digits, e.g. ABC1234567): "
       "\"BAD0\"",
       "electors.csv:3: epic: not an EPIC number (3 letters and 7 digits, e.g. ABC1234567): "
       "\"BAD1\"",
       "electors.csv:4: epic: not an EPIC number (3 letters and 7 digits, e.g. ABC1234567): "
       "\"BAD2\"",
       "electors.csv: 57 more errors not listed"},
      options);
  EXPECT_EQ(report.electors.errors, 60u);
  EXPECT_EQ(report.electors.rows, 60u);
  EXPECT_NE(report.status.error().detail.find("electors.csv has 60 errors; nothing from it was "
                                              "imported\nelectors.csv:2: epic:"),
            std::string::npos);
}

}  // namespace
}  // namespace psm::roll
