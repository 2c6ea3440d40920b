#include "board/board.hpp"

#include <gtest/gtest.h>

namespace psm {
namespace {

Board ThreeStations() {
  return Board({{34, "Jalandhar West", "SC", "Jalandhar"}, {38, "Kartarpur", "SC", "Jalandhar"}},
               {Station{{34, 112}, "A", "A", "X", 31, 75, {500, 500, 0}},
                Station{{34, 7}, "B", "B", "X", 31, 75, {500, 500, 0}},
                Station{{38, 1}, "C", "C", "Y", 31, 75, {300, 300, 0}}});
}

TEST(Board, FindsAStationByItsCanonicalIdOnly) {
  const Board board = ThreeStations();
  EXPECT_EQ(board.IndexOf("34-112"), 0u);
  EXPECT_EQ(board.IndexOf("34-7"), 1u);
  EXPECT_EQ(board.IndexOf("38-1"), 2u);
  EXPECT_EQ(board.IndexOf(StationId{38, 1}), 2u);
  for (std::string_view unknown :
       {"34-8", "34-113", "34-9999", "35-1", "37-112", "999-1", "1-1", "034-112", "34-0112", "34-",
        "-112", "34112", "34-112 ", "0-1", "34-0", "", "x"}) {
    EXPECT_FALSE(board.IndexOf(unknown)) << unknown;
  }
  EXPECT_FALSE(board.IndexOf(StationId{0, 0}));
  EXPECT_FALSE(board.IndexOf(StationId{-34, 112}));
  EXPECT_FALSE(board.IndexOf(StationId{34, 100000}));
}

TEST(Board, CountsEachStationsViewReplacements) {
  Board board = ThreeStations();
  EXPECT_EQ(board.Version(0), 0u);
  EXPECT_EQ(board.Get(0), nullptr);
  auto first = std::make_shared<StationView>();
  board.Set(0, first);
  EXPECT_EQ(board.Version(0), 1u);
  EXPECT_EQ(board.Get(0), first);
  board.Set(0, std::make_shared<StationView>());
  EXPECT_EQ(board.Version(0), 2u);
  EXPECT_NE(board.Get(0), first);
  EXPECT_EQ(board.Version(1), 0u);  // stations count apart
}

}  // namespace
}  // namespace psm
