// The silence log: spells announced once, in the order they begin, when the server's clock
// reaches them; none that ended before the run began or that begin after it stops.
#include "sim/sim_silence_log.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace psm::sim {
namespace {

const Instant kOpens = *ParseRfc3339("2026-11-30T01:30:00Z");  // 07:00 IST
constexpr std::chrono::minutes kIst{330};

Instant At(int minute) {
  return kOpens + std::chrono::minutes(minute);
}

SilentSpell Spell(int from, int until) {
  return SilentSpell{
      from, until, from - 30, SilenceCause::kDropped, from - 15, SilenceEnd::kReport};
}

TEST(SilenceLog, AnnouncesEachSpellOnceWhenItBegins) {
  SilenceLog log(kOpens, kIst, At(0), At(700));
  log.Add("34-2", {Spell(200, 210)});
  log.Add("34-1", {Spell(100, 120), Spell(300, 330)});
  std::ostringstream out;
  EXPECT_EQ(log.Announce(At(99), out), 0u);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(log.Announce(At(100), out), 1u);  // at its very minute
  EXPECT_EQ(out.str(),
            "silent 34-1 from 08:40: no queue report since 08:10 (a dropped report; next at "
            "09:00)\n");
  EXPECT_EQ(log.Announce(At(150), out), 0u);
  EXPECT_EQ(log.Announce(At(400), out), 2u);
  ASSERT_EQ(log.announced().size(), 3u);
  EXPECT_EQ(log.announced()[1].station, "34-2");
  EXPECT_EQ(log.announced()[2].spell.from, 300);
  EXPECT_EQ(log.Announce(At(1000), out), 0u);
}

TEST(SilenceLog, OnlySpellsTheServerCanSeeDuringTheRun) {
  // The run began at 100 and stops at 300.
  SilenceLog log(kOpens, kIst, At(100), At(300));
  log.Add("34-1", {Spell(40, 100), Spell(90, 110), Spell(299, 320), Spell(300, 330)});
  std::ostringstream out;
  EXPECT_EQ(log.Announce(At(1000), out), 2u);
  ASSERT_EQ(log.announced().size(), 2u);
  EXPECT_EQ(log.announced()[0].spell.from, 90);  // still silent when the run began
  EXPECT_EQ(log.announced()[1].spell.from, 299);
}

}  // namespace
}  // namespace psm::sim
