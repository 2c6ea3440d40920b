// Role and station-scope rules.
#include "auth/access.hpp"

#include <gtest/gtest.h>

namespace psm::auth {
namespace {

const StationId kOwn{34, 112};
const StationId kOther{34, 113};
const StationId kElsewhere{30, 7};

Principal Officer() {
  return Principal{Role::kOfficer, kOwn, "", {}, {}};
}
Principal Sector() {
  return Principal{Role::kSector, std::nullopt, "bhatia", {kOwn, kOther}, {}};
}
Principal Admin() {
  return Principal{Role::kAdmin, std::nullopt, "alice", {}, {}};
}

TEST(AuthAccess, OfficerOnlyOwnStation) {
  EXPECT_TRUE(MaySubmitFor(Officer(), kOwn).ok());
  EXPECT_TRUE(MayView(Officer(), kOwn).ok());
  Status s = MaySubmitFor(Officer(), kOther);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(s.error().reason, "wrong_station");
  EXPECT_EQ(s.error().detail, "this token is for station 34-112");
  EXPECT_FALSE(MayView(Officer(), kOther).ok());
}

TEST(AuthAccess, OfficerWithoutStationMayDoNothing) {
  Principal p = Officer();
  p.station.reset();
  Status s = MaySubmitFor(p, kOwn);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(Actor(p), "officer:unknown");
}

TEST(AuthAccess, SectorOfficerTheirStations) {
  EXPECT_TRUE(MaySubmitFor(Sector(), kOwn).ok());
  EXPECT_TRUE(MaySubmitFor(Sector(), kOther).ok());
  EXPECT_TRUE(MayView(Sector(), kOther).ok());
  Status s = MaySubmitFor(Sector(), kElsewhere);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kForbidden);
  EXPECT_NE(s.error().detail.find("30-7"), std::string::npos) << s.error().detail;
  s = MayView(Sector(), kElsewhere);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().detail.find("may not view"), std::string::npos) << s.error().detail;
}

TEST(AuthAccess, AdminAnyStation) {
  EXPECT_TRUE(MaySubmitFor(Admin(), kOwn).ok());
  EXPECT_TRUE(MaySubmitFor(Admin(), kElsewhere).ok());
  EXPECT_TRUE(MayView(Admin(), kElsewhere).ok());
}

TEST(AuthAccess, RequireRole) {
  EXPECT_TRUE(RequireRole(Admin(), {Role::kAdmin}).ok());
  EXPECT_TRUE(RequireRole(Sector(), {Role::kAdmin, Role::kSector}).ok());
  Status s = RequireRole(Officer(), {Role::kAdmin, Role::kSector});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(s.error().reason, "role_required");
  EXPECT_EQ(s.error().detail, "this needs role admin or sector; this token has role officer");
  EXPECT_FALSE(RequireRole(Sector(), {Role::kAdmin}).ok());
  EXPECT_FALSE(RequireRole(Admin(), {}).ok());
}

TEST(AuthAccess, Actor) {
  EXPECT_EQ(Actor(Officer()), "officer:34-112");
  EXPECT_EQ(Actor(Sector()), "user:bhatia");
  EXPECT_EQ(Actor(Admin()), "user:alice");
}

}  // namespace
}  // namespace psm::auth
