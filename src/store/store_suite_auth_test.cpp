// The storage suite, part 3: officer PINs, users, sessions and the audit log.
#include <algorithm>
#include <string>

#include "store/store_suite.hpp"
#include "store/testing/store_calls.hpp"

namespace psm::testing {
namespace {

TEST_P(StoreSuite, StationPinsSetReplaceAndRequireStation) {
  LoadReferenceData();
  const StationId st{34, 1};
  auto none = store().StationPinHash(st);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store().SetStationPinHash(st, "$argon2id$v=19$first").ok());
  ASSERT_TRUE(store().SetStationPinHash(st, "$argon2id$v=19$second").ok());
  auto got = store().StationPinHash(st);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, "$argon2id$v=19$second");
  auto other = store().StationPinHash(StationId{34, 2});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());

  auto unknown = store().SetStationPinHash(StationId{34, 999}, "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kConflict);
}

TEST_P(StoreSuite, StationPinsInBulkAreAllOrNone) {
  LoadReferenceData();
  const StationId a{34, 1}, b{34, 2};
  ASSERT_TRUE(store().SetStationPinHashes({{a, "$argon2id$a"}, {b, "$argon2id$b"}}).ok());
  EXPECT_EQ(**store().StationPinHash(a), "$argon2id$a");
  EXPECT_EQ(**store().StationPinHash(b), "$argon2id$b");
  // One unknown station refuses the whole set: a and b keep their hashes.
  ASSERT_FALSE(store().SetStationPinHashes({{a, "new-a"}, {StationId{34, 999}, "x"}}).ok());
  EXPECT_EQ(**store().StationPinHash(a), "$argon2id$a");
}

User TestUser(std::string name, Role role) {
  User u;
  u.name = std::move(name);
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$" + u.name;
  u.created_at = TestTime(1'234);
  return u;
}

TEST_P(StoreSuite, UsersRoundTripWithStationsAndDisabledFlag) {
  LoadReferenceData();
  User sector = TestUser("bhullar", Role::kSector);
  // Given unsorted and with a repeat: stored sorted by (ac, part), each once.
  sector.stations = {StationId{35, 2}, StationId{34, 3}, StationId{34, 1}, StationId{34, 3}};
  ASSERT_TRUE(store().UpsertUser(sector).ok());
  ASSERT_TRUE(store().UpsertUser(TestUser("admin", Role::kAdmin)).ok());

  auto found = store().FindUser("bhullar");
  ASSERT_TRUE(found.ok() && found->has_value());
  const User& u = **found;
  EXPECT_EQ(u.name, "bhullar");
  EXPECT_EQ(u.role, Role::kSector);
  EXPECT_EQ(u.password_hash, sector.password_hash);
  EXPECT_EQ(u.stations,
            (std::vector<StationId>{StationId{34, 1}, StationId{34, 3}, StationId{35, 2}}));
  EXPECT_FALSE(u.disabled);
  EXPECT_EQ(u.created_at, sector.created_at);

  // An update replaces role, hash, stations and the flag, but keeps created_at.
  User changed = sector;
  changed.stations = {StationId{35, 1}};
  changed.disabled = true;
  changed.password_hash = "$argon2id$new";
  changed.created_at = TestTime(99'999);
  ASSERT_TRUE(store().UpsertUser(changed).ok());
  auto again = store().FindUser("bhullar");
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_TRUE((*again)->disabled);
  EXPECT_EQ((*again)->password_hash, "$argon2id$new");
  EXPECT_EQ((*again)->stations, (std::vector<StationId>{StationId{35, 1}}));
  EXPECT_EQ((*again)->created_at, sector.created_at);

  auto list = store().ListUsers();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "admin");
  EXPECT_TRUE((*list)[0].stations.empty());
  EXPECT_EQ((*list)[1].name, "bhullar");
  EXPECT_EQ((*list)[1].stations.size(), 1u);

  auto missing = store().FindUser("nobody");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreSuite, UserWithUnknownStationIsRejectedUnchanged) {
  LoadReferenceData();
  User sector = TestUser("kaur", Role::kSector);
  sector.stations = {StationId{34, 1}};
  ASSERT_TRUE(store().UpsertUser(sector).ok());
  User bad = sector;
  bad.stations = {StationId{34, 2}, StationId{34, 999}};
  bad.disabled = true;
  auto s = store().UpsertUser(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
  auto found = store().FindUser("kaur");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_FALSE((*found)->disabled);
  EXPECT_EQ((*found)->stations, sector.stations);
}

SessionRecord TestSession(std::string hash, std::int64_t expires_ms) {
  SessionRecord s;
  s.token_hash = std::move(hash);
  s.created_at = TestTime(0);
  s.expires_at = TestTime(expires_ms);
  return s;
}

TEST_P(StoreSuite, SessionsFindDeleteAndExpire) {
  LoadReferenceData();
  SessionRecord officer = TestSession("aa01", 1'000);
  officer.role = Role::kOfficer;
  officer.station = StationId{34, 2};
  SessionRecord admin = TestSession("bb02", 5'001);
  admin.role = Role::kAdmin;
  admin.user = "admin";
  SessionRecord later = TestSession("cc03", 9'000);
  ASSERT_TRUE(store().InsertSession(officer).ok());
  ASSERT_TRUE(store().InsertSession(admin).ok());
  ASSERT_TRUE(store().InsertSession(later).ok());
  EXPECT_FALSE(store().InsertSession(officer).ok());  // the hash is the key

  auto got = FindSession(store(), "aa01");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->role, Role::kOfficer);
  EXPECT_EQ((*got)->station, officer.station);
  EXPECT_EQ((*got)->user, "");
  EXPECT_EQ((*got)->created_at, officer.created_at);
  EXPECT_EQ((*got)->expires_at, officer.expires_at);
  auto got_admin = FindSession(store(), "bb02");
  ASSERT_TRUE(got_admin.ok() && got_admin->has_value());
  EXPECT_EQ((*got_admin)->role, Role::kAdmin);
  EXPECT_FALSE((*got_admin)->station.has_value());
  EXPECT_EQ((*got_admin)->user, "admin");

  // Live sessions are those not yet expired at `now`, for warming the cache at start-up.
  auto live = store().LiveSessions(TestTime(1'000));
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u);
  for (const auto& s : *live)
    EXPECT_NE(s.token_hash, "aa01");
  auto live_admin = std::find_if(live->begin(), live->end(),
                                 [](const SessionRecord& s) { return s.token_hash == "bb02"; });
  ASSERT_NE(live_admin, live->end());
  EXPECT_EQ(live_admin->user, "admin");
  EXPECT_EQ(live_admin->expires_at, admin.expires_at);

  ASSERT_TRUE(store().DeleteSession("cc03").ok());
  ASSERT_TRUE(store().DeleteSession("cc03").ok());  // deleting twice is fine
  auto gone = FindSession(store(), "cc03");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());

  // expires_at is the first instant a session is no longer valid.
  ASSERT_TRUE(store().DeleteExpiredSessions(TestTime(5'000)).ok());
  auto expired = FindSession(store(), "aa01");
  ASSERT_TRUE(expired.ok());
  EXPECT_FALSE(expired->has_value());
  auto alive = FindSession(store(), "bb02");
  ASSERT_TRUE(alive.ok());
  EXPECT_TRUE(alive->has_value());
  ASSERT_TRUE(store().DeleteExpiredSessions(TestTime(5'001)).ok());
  auto now_gone = FindSession(store(), "bb02");
  ASSERT_TRUE(now_gone.ok());
  EXPECT_FALSE(now_gone->has_value());
}

AuditEntry Audit(std::int64_t at_ms, std::string actor, std::string action, std::string station) {
  return AuditEntry{0,          TestTime(at_ms),   std::move(actor),   "officer",
                    "10.0.0.7", std::move(action), std::move(station), R"({"id":"x"})"};
}

TEST_P(StoreSuite, AuditAppendAndQueryNewestFirst) {
  LoadReferenceData();
  ASSERT_TRUE(store()
                  .AppendAudit({Audit(1'000, "officer:34-1", "login", "34-1"),
                                Audit(2'000, "officer:34-2", "report", "34-2"),
                                Audit(3'000, "officer:34-1", "report", "34-1")})
                  .ok());
  ASSERT_TRUE(store().AppendAudit({Audit(4'000, "user:alice", "pin_reset", "34-1")}).ok());
  ASSERT_TRUE(store().AppendAudit({}).ok());

  auto all = store().QueryAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].action, "pin_reset");
  EXPECT_EQ((*all)[3].action, "login");
  EXPECT_GT((*all)[0].seq, (*all)[1].seq);
  EXPECT_EQ((*all)[3].at, TestTime(1'000));
  EXPECT_EQ((*all)[3].role, "officer");
  EXPECT_EQ((*all)[3].client, "10.0.0.7");
  EXPECT_EQ((*all)[3].detail, R"({"id":"x"})");

  auto by_actor = store().QueryAudit({.actor = "officer:34-1"});
  ASSERT_TRUE(by_actor.ok());
  ASSERT_EQ(by_actor->size(), 2u);
  EXPECT_EQ((*by_actor)[0].action, "report");

  auto by_station = store().QueryAudit({.station = "34-1"});
  ASSERT_TRUE(by_station.ok());
  EXPECT_EQ(by_station->size(), 3u);

  auto since = store().QueryAudit({.station = "34-1", .since = TestTime(3'000)});
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[1].action, "report");

  auto limited = store().QueryAudit({.limit = 2});
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].action, "report");
  EXPECT_EQ((*limited)[1].actor, "officer:34-1");
}

}  // namespace
}  // namespace psm::testing
