#include "writer/summary.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace psm {
namespace {

using nlohmann::json;

Report Turnout(std::string id, StationId s, const char* at, Counts c) {
  Report r;
  r.id = std::move(id);
  r.station = s;
  r.kind = ReportKind::kTurnout;
  r.observed_at = *ParseRfc3339(at);
  r.counts = c;
  return r;
}

// Two stations of AC 34 (1,000 electors each) and one of AC 35; only 34-1 reports turnout.
class SummaryTest : public ::testing::Test {
 protected:
  SummaryTest()
      : board_(
            {{34, "Jalandhar West", "SC", "Jalandhar"}, {35, "Jalandhar Central", "", "Jalandhar"}},
            {Station{{34, 1}, "A", "A", "X", 31, 75, {500, 500, 0}},
             Station{{34, 2}, "B, \"quoted\"", "B", "X", 31, 75, {500, 500, 0}},
             Station{{35, 1}, "C", "C", "Y", 31, 75, {300, 300, 0}}}) {
    day_.date = *ParseDate("2026-11-30");
    for (const auto& s : board_.stations())
      ledgers_.emplace_back(s);
    ledgers_[0].Apply(Turnout("t1", {34, 1}, "2026-11-30T09:10:00+05:30", {50, 40, 0}));
    now_ = *ParseRfc3339("2026-11-30T10:00:00+05:30");
    for (std::uint32_t i = 0; i < board_.size(); ++i) {
      auto view = std::make_shared<StationView>();
      view->station = board_.station(i);
      view->status = ledgers_[i].Status(now_, StatusOptions{});
      board_.Set(i, view);
    }
    summary_ = BuildSummary(board_, ledgers_, day_, now_);
  }

  Board board_;
  PollingDay day_;
  Instant now_;
  std::vector<StationLedger> ledgers_;
  std::shared_ptr<const SummaryView> summary_;
};

TEST_F(SummaryTest, DistrictTurnoutCountsOnlyReportingStations) {
  const json d = json::parse(*summary_->district_json);
  EXPECT_EQ(d["stations"], 3);
  EXPECT_EQ(d["electors"]["total"], 2600);
  EXPECT_EQ(d["votes_polled"]["total"], 90);
  EXPECT_EQ(d["turnout_stations"], 1);
  EXPECT_DOUBLE_EQ(d["turnout_pct"].get<double>(), 9.0);  // 90 of 34-1's 1,000, not of 2,600
  EXPECT_EQ(d["states"]["not_started"], 3);
}

TEST_F(SummaryTest, CountsAreTheDistrictJsonsNumbers) {
  const json d = json::parse(*summary_->district_json);
  const DistrictCounts& c = summary_->counts;
  EXPECT_EQ(c.turnout_stations, 1);
  EXPECT_EQ(c.votes_polled, 90);
  EXPECT_EQ(c.turnout_electors, 1000);  // 34-1's: turnout is 90 / 1,000
  EXPECT_EQ(c.reporting_stations, d["reporting_stations"]);
  EXPECT_EQ(c.stale_stations, d["stale_stations"]);
  EXPECT_EQ(c.turnout_stations, d["turnout_stations"]);
  EXPECT_EQ(c.votes_polled, d["votes_polled"]["total"]);
}

TEST_F(SummaryTest, SlotsSeparateReportedMissingAndPending) {
  const json t = json::parse(*summary_->turnout_json);
  const json& nine = t["district"][0];
  EXPECT_EQ(nine["slot"], "09:00");
  EXPECT_EQ(nine["reported"], 1);
  EXPECT_EQ(nine["missing"], 2);
  EXPECT_DOUBLE_EQ(nine["pct"].get<double>(), 9.0);
  const json& eleven = t["district"][1];
  EXPECT_EQ(eleven["pending"], 3);  // 11:00 is still ahead at 10:00
  EXPECT_TRUE(eleven["pct"].is_null());
  EXPECT_TRUE(eleven["votes"].is_null());
  // AC 35 has no report at all for 09:00: unknown, never zero.
  const json& ac35 = t["constituencies"][1];
  EXPECT_EQ(ac35["ac"], 35);
  EXPECT_TRUE(ac35["slots"][0]["pct"].is_null());
  EXPECT_EQ(t["stations"][1]["slots"][0]["state"], "missing");
}

TEST_F(SummaryTest, CsvMarksMissingAndTotals) {
  const std::string& csv = *summary_->turnout_csv;
  std::vector<std::string> lines;
  for (std::size_t pos = 0, next; pos < csv.size(); pos = next + 1) {
    next = csv.find('\n', pos);
    lines.push_back(csv.substr(pos, next - pos));
  }
  ASSERT_EQ(lines.size(), 1u + 3u + 2u + 1u);  // header, stations, AC totals, district
  EXPECT_EQ(lines[0].substr(0, 59), "ac,station,name,electors,09:00_men,09:00_women,09:00_others");
  EXPECT_EQ(lines[1].substr(0, 30), "34,34-1,\"A\",1000,50,40,0,90,9,");
  EXPECT_NE(lines[2].find("\"B, \"\"quoted\"\"\",1000,missing,missing"), std::string::npos);
  EXPECT_EQ(lines[4].substr(0, 44), "34,AC total,\"Jalandhar West\",2000,50,40,0,90");
  EXPECT_NE(lines[5].find("35,AC total,\"Jalandhar Central\",600,missing"), std::string::npos);
  EXPECT_EQ(lines[6].substr(0, 35), ",District total,,2600,50,40,0,90,9,");
}

TEST_F(SummaryTest, BuilderReusingRowsMatchesAFreshBuild) {
  SummaryBuilder builder;
  builder.Build(board_, ledgers_, day_, now_);
  // A new value for one station, and a later time that turns another slot missing.
  ledgers_[2].Apply(Turnout("t2", {35, 1}, "2026-11-30T10:50:00+05:30", {30, 20, 0}));
  const Instant later = *ParseRfc3339("2026-11-30T11:30:00+05:30");
  for (std::uint32_t i = 0; i < board_.size(); ++i) {
    auto view = std::make_shared<StationView>(*board_.Get(i));
    view->status = ledgers_[i].Status(later, StatusOptions{});
    board_.Set(i, view);
  }
  const auto reused = builder.Build(board_, ledgers_, day_, later);
  const auto fresh = BuildSummary(board_, ledgers_, day_, later);
  EXPECT_EQ(*reused->turnout_json, *fresh->turnout_json);
  EXPECT_EQ(*reused->turnout_csv, *fresh->turnout_csv);
  EXPECT_EQ(*reused->district_json, *fresh->district_json);
  // And the fresh build is what the tree would give: valid JSON with the new value.
  const json t = json::parse(*fresh->turnout_json);
  EXPECT_EQ(t["stations"][2]["slots"][1]["votes"]["total"], 50);
  EXPECT_EQ(t["stations"][2]["slots"][1]["state"], "reported");
}

}  // namespace
}  // namespace psm
