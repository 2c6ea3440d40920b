// AlertDesk's district-wide store_unwritable alerts: kept apart from the stored ones.
#include "writer/alert_desk.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/testing/fake_clock.hpp"
#include "store/memory/memory_store.hpp"
#include "writer/testing/recording_bus.hpp"

namespace psm {
namespace {

const StationId kStation{34, 1};

TEST(AlertDesk, StoreAlertIdsStayDistinctFromAlertsAnotherWriterStored) {
  psm::testing::FakeClock clock(*ParseRfc3339("2026-11-30T10:00:00+05:30"));
  MemoryStore store;
  ASSERT_TRUE(store.Migrate().ok());
  const Station station{kStation, "School, Room 1", "School", "Basti", 31.3, 75.5, {500, 480, 0}};
  Board board({{34, "Jalandhar West", "SC", "Jalandhar"}}, {station});
  psm::testing::RecordingBus bus;
  PollingDay day;
  day.date = *ParseDate("2026-11-30");
  const std::uint64_t seq = 0;
  AlertDesk desk(store, bus, board, day, StatusOptions{}, AlertOptions{}, seq);
  desk.set_may_write(false);  // a node following the cluster's writer
  desk.OnStoreUnwritable(Error::Unavailable("store_unavailable", "no connection"), clock.Now());
  ASSERT_EQ(desk.Snapshot()->size(), 1u);
  const std::int64_t reserved = desk.Snapshot()->front().id;

  // The writer stored an alert with the same id, which this node now applies.
  Alert stored;
  stored.id = reserved;
  stored.station = kStation;
  stored.kind = AlertKind::kNoReport;
  stored.opened_at = clock.Now();
  desk.ApplyStored({stored});
  const auto alerts = desk.Snapshot();
  ASSERT_EQ(alerts->size(), 2u);
  std::set<std::int64_t> ids;
  for (const Alert& a : *alerts)
    ids.insert(a.id);
  EXPECT_EQ(ids.size(), 2u) << "every id names one alert";
  EXPECT_EQ(alerts->front().id, reserved);
  EXPECT_EQ(alerts->front().kind, AlertKind::kNoReport);
  EXPECT_EQ(alerts->back().kind, AlertKind::kStoreUnwritable);

  desk.OnStoreWritable(clock.Now());
  EXPECT_EQ(desk.Snapshot()->back().state, AlertState::kResolved);
}

}  // namespace
}  // namespace psm
