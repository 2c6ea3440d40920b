// EnumNames: one table read both ways; the domain enums' names are their wire names.
#include "core/enum_names.hpp"

#include <gtest/gtest.h>

#include "core/alert.hpp"
#include "core/model.hpp"
#include "core/role.hpp"

namespace psm {
namespace {

enum class Colour { kRed, kGreen, kBlue };

constexpr EnumNames<Colour, Colour::kBlue> kColours({"red", "green", "blue"});

TEST(EnumNames, NamesAndParsesEveryValue) {
  for (const Colour c : {Colour::kRed, Colour::kGreen, Colour::kBlue})
    EXPECT_EQ(kColours.Parse(kColours.Name(c)), c);
  EXPECT_EQ(kColours.Name(Colour::kGreen), "green");
}

TEST(EnumNames, UnknownNamesAndValuesAreSaidSo) {
  EXPECT_EQ(kColours.Parse("Green"), std::nullopt) << "names are exact";
  EXPECT_EQ(kColours.Parse(""), std::nullopt);
  EXPECT_EQ(kColours.Name(static_cast<Colour>(7)), "unknown");
}

TEST(EnumNames, LooksUpAtCompileTime) {
  static_assert(kColours.Name(Colour::kBlue) == "blue");
  static_assert(*kColours.Parse("red") == Colour::kRed);
}

TEST(EnumNames, DomainNamesRoundTrip) {
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(ParseReportKind(ToString(static_cast<ReportKind>(i))), static_cast<ReportKind>(i));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(ParseEventKind(ToString(static_cast<EventKind>(i))), static_cast<EventKind>(i));
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(ParseAlertKind(ToString(static_cast<AlertKind>(i))), static_cast<AlertKind>(i));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(ParseRole(ToString(static_cast<Role>(i))), static_cast<Role>(i));
  EXPECT_EQ(ToString(PollState::kNotStarted), "not_started");
  EXPECT_EQ(ToString(Trend::kFalling), "falling");
  EXPECT_EQ(ToString(EventKind::kPollClosed), "poll_closed");
}

}  // namespace
}  // namespace psm
