// control_handlers: the alert list (roles, scope, filters), acknowledging an alert, turnout
// unlocks and PIN resets (admin only), and the admin network rule.
#include <gtest/gtest.h>

#include <set>

#include "api/testing/api_fixture.hpp"
#include "auth/token.hpp"

namespace psm::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::ApiFixtureOptions;
using testing::TestRequest;
using testing::TestResponse;

class ControlHandlersTest : public ::testing::Test {
 protected:
  // At 10:00 no station has started its poll: each has one open not_started alert.
  std::int64_t AlertOf(const std::string& station) {
    const auto r = api_.Get("/api/v1/alerts?kind=not_started&station=" + station, admin_);
    EXPECT_EQ(r.Json()["total"], 1) << r.body;
    return r.Json()["alerts"][0]["id"];
  }

  ApiFixture api_;
  std::string admin_ = api_.AdminToken();
  std::string sector_ = api_.SectorToken("gill", {{34, 1}, {34, 2}});
  std::string officer_ = api_.OfficerToken({34, 1});
};

TEST_F(ControlHandlersTest, AlertsAreForTheControlRoomOnly) {
  auto r = api_.Get("/api/v1/alerts");
  EXPECT_EQ(r.status, 401u);
  r = api_.Get("/api/v1/alerts", officer_);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.ProblemReason(), "role_required");
  r = api_.Get("/api/v1/alerts", admin_);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Json()["total"], 5);
  // A sector officer sees their own stations' alerts, and may not ask for others'.
  r = api_.Get("/api/v1/alerts", sector_);
  ASSERT_EQ(r.status, 200u);
  std::set<std::string> stations;
  const auto listed = r.Json();
  for (const auto& a : listed["alerts"])
    stations.insert(a["station"]);
  EXPECT_EQ(stations, (std::set<std::string>{"34-1", "34-2"}));
  EXPECT_EQ(api_.Get("/api/v1/alerts?station=34-2", sector_).status, 200u);
  r = api_.Get("/api/v1/alerts?station=35-1", sector_);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.ProblemReason(), "wrong_station");
}

TEST_F(ControlHandlersTest, AlertFiltersAndTheirRefusals) {
  auto r = api_.Get("/api/v1/alerts?ac=35&state=open&kind=not_started", admin_);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Json()["total"], 2);
  EXPECT_NE(r.Json()["alerts"][0]["detail"].get<std::string>().find("not started"),
            std::string::npos);
  r = api_.Get("/api/v1/alerts?limit=2", admin_);
  EXPECT_EQ(r.Json()["total"], 5);
  EXPECT_EQ(r.Json()["alerts"].size(), 2u);
  EXPECT_EQ(api_.Get("/api/v1/alerts?state=resolved", admin_).Json()["total"], 0);
  EXPECT_EQ(api_.Get("/api/v1/alerts?state=active", admin_).Json()["total"], 5);

  const std::vector<std::pair<std::string, std::string>> refusals = {{"state=sleepy", "bad_state"},
                                                                     {"kind=late", "bad_kind"},
                                                                     {"ac=77", "bad_ac"},
                                                                     {"ac=x", "bad_ac"},
                                                                     // 2^32 + 34: not AC 34
                                                                     {"ac=4294967330", "bad_ac"},
                                                                     {"ac=-34", "bad_ac"},
                                                                     {"limit=0", "bad_limit"}};
  for (const auto& [query, reason] : refusals) {
    r = api_.Get("/api/v1/alerts?" + query, admin_);
    EXPECT_EQ(r.status, 422u) << query;
    EXPECT_EQ(r.ProblemReason(), reason) << query;
  }
  r = api_.Get("/api/v1/alerts?station=99-9", admin_);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.ProblemReason(), "unknown_station");
}

TEST_F(ControlHandlersTest, AcknowledgingAnAlertOnceThen409) {
  const auto id = AlertOf("34-2");
  const std::string path = "/api/v1/alerts/" + std::to_string(id) + "/ack";
  EXPECT_EQ(api_.Get(path, admin_).status, 405u);
  EXPECT_EQ(api_.Post(path, json::object(), officer_).status, 403u);
  auto r = api_.Post(path, json::object(), admin_);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json()["alert"]["state"], "acknowledged");
  EXPECT_EQ(r.Json()["alert"]["acknowledged_by"], "user:admin");
  EXPECT_EQ(api_.Get("/api/v1/alerts?state=acknowledged", admin_).Json()["total"], 1);
  r = api_.Post(path, json::object(), admin_);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.ProblemReason(), "already_acknowledged");
}

TEST_F(ControlHandlersTest, AcknowledgeRespectsScopeAndUnknownIds) {
  const auto theirs = AlertOf("34-1"), not_theirs = AlertOf("35-1");
  EXPECT_EQ(
      api_.Post("/api/v1/alerts/" + std::to_string(not_theirs) + "/ack", json::object(), sector_)
          .status,
      403u);
  EXPECT_EQ(api_.Post("/api/v1/alerts/" + std::to_string(theirs) + "/ack", json::object(), sector_)
                .status,
            200u);
  for (const char* id : {"999999", "0", "abc"}) {
    const auto r = api_.Post(std::string("/api/v1/alerts/") + id + "/ack", json::object(), admin_);
    EXPECT_EQ(r.status, 404u) << id;
    EXPECT_EQ(r.ProblemReason(), "unknown_alert") << id;
  }
}

TEST_F(ControlHandlersTest, TurnoutUnlockLetsOneCorrectionThrough) {
  const std::string reports = "/api/v1/stations/34-1/reports";
  const std::string unlock = "/api/v1/stations/34-1/turnout-unlock";
  ASSERT_EQ(
      api_.Post(reports, api_.TurnoutReport(100, 90, 0, api_.LocalTime(9, 50)), officer_).status,
      201u);
  json lower = api_.TurnoutReport(95, 90, 0, api_.LocalTime(9, 55));
  lower["reason"] = "typing error at 09:50";
  EXPECT_EQ(api_.Post(reports, lower, officer_).status, 409u);

  EXPECT_EQ(api_.Post(unlock, json{{"reason", "x"}}, sector_).ProblemReason(), "role_required");
  for (const json& body :
       {json::object(), json{{"reason", "   "}}, json{{"reason", 5}}, json::array()}) {
    const auto r = api_.Post(unlock, body, admin_);
    EXPECT_EQ(r.status, 422u) << body;
    EXPECT_EQ(r.ProblemReason(), "reason_required") << body;
  }
  EXPECT_EQ(api_.Post(unlock, json{{"reason", std::string(501, 'x')}}, admin_).ProblemReason(),
            "bad_field");
  testing::TestRequest as_text{
      boost::beast::http::verb::post,
      unlock,
      json{{"reason", "x"}}.dump(),
      {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + admin_}}};
  EXPECT_EQ(api_.Call(std::move(as_text)).status, 415u);
  EXPECT_EQ(api_.Post("/api/v1/stations/99-9/turnout-unlock", json{{"reason", "x"}}, admin_)
                .ProblemReason(),
            "unknown_station");

  auto r = api_.Post(unlock, json{{"reason", "officer called"}}, admin_);
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json()["unlock"]["station"], "34-1");
  EXPECT_EQ(r.Json()["unlock"]["opened_by"], "user:admin");
  EXPECT_EQ(r.Json()["unlock"]["closed_at"], nullptr);
  r = api_.Post(unlock, json{{"reason", "again"}}, admin_);
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(r.ProblemReason(), "unlock_open");

  lower["id"] = api_.NewId();
  EXPECT_EQ(api_.Post(reports, lower, officer_).status, 201u);
  EXPECT_EQ(api_.Get("/api/v1/stations/34-1").Json()["status"]["votes_polled"]["total"], 185);
  // The unlock was used up by that correction.
  json again = api_.TurnoutReport(94, 90, 0, api_.LocalTime(9, 56));
  again["reason"] = "once more";
  EXPECT_EQ(api_.Post(reports, again, officer_).status, 409u);
}

TEST_F(ControlHandlersTest, PinResetShowsTheNewPinOnceAndEndsOldSessions) {
  api_.SetPin({34, 1}, "482913");
  const std::string path = "/api/v1/stations/34-1/pin";
  EXPECT_EQ(api_.Post(path, json::object(), sector_).status, 403u);
  EXPECT_EQ(api_.Post(path, json::object(), officer_).status, 403u);
  EXPECT_EQ(api_.Post("/api/v1/stations/99-9/pin", json::object(), admin_).ProblemReason(),
            "unknown_station");
  // Someone guessed the old PIN until the station locked.
  for (int i = 0; i < 5; ++i)
    api_.Post("/api/v1/sessions", json{{"station", "34-1"}, {"pin", "111111"}});
  ASSERT_EQ(api_.Post("/api/v1/sessions", json{{"station", "34-1"}, {"pin", "482913"}}).status,
            429u);

  const auto r = api_.Post(path, json::object(), admin_);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Header("Pragma"), "no-cache");
  const auto body = r.Json();
  EXPECT_EQ(body["station"], "34-1");
  EXPECT_EQ(body["sessions_revoked"], 1);
  const std::string pin = body["pin"];
  EXPECT_TRUE(auth::IsWellFormedPin(pin)) << pin;
  EXPECT_EQ(pin.size(), 8u) << "8 digits by default";
  // The officer's old token is gone; the new PIN logs in at once: the guessers cannot know it,
  // so the lock they caused ends with the old PIN.
  EXPECT_EQ(api_.Post("/api/v1/stations/34-1/reports", api_.QueueReport(1, 1), officer_).status,
            401u);
  EXPECT_EQ(api_.Post("/api/v1/sessions", json{{"station", "34-1"}, {"pin", pin}}).status, 201u);
  AuditFilter filter;
  filter.station = "34-1";
  const auto audit = api_.store().QueryAudit(filter);
  ASSERT_TRUE(audit.ok());
  EXPECT_TRUE(std::any_of(audit->begin(), audit->end(), [](const AuditEntry& e) {
    return e.action == "pin_reset" && e.actor == "user:admin";
  }));
}

TEST(ControlHandlersNetworkTest, AdminTokensWorkOnlyFromAdminNetworks) {
  ApiFixtureOptions o;
  o.api.admin_cidrs = {*http::Cidr::Parse("10.0.0.0/8")};
  ApiFixture api(o);
  const std::string admin = api.AdminToken(), sector = api.SectorToken("gill", {{34, 1}});
  auto get_from = [&](const std::string& client, const std::string& token) {
    TestRequest req{boost::beast::http::verb::get,
                    "/api/v1/alerts",
                    "",
                    {{"Authorization", "Bearer " + token}}};
    req.client_ip = client;
    return api.Call(std::move(req));
  };
  auto r = get_from("203.0.113.9", admin);
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.ProblemReason(), "admin_network");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("PSM_ADMIN_CIDRS"), std::string::npos);
  EXPECT_EQ(get_from("10.1.2.3", admin).status, 200u);
  EXPECT_EQ(get_from("203.0.113.9", sector).status, 200u);
}

TEST(ControlHandlersNetworkTest, AdminLoginsAndAdminReportsOnlyFromAdminNetworks) {
  ApiFixtureOptions o;
  o.api.admin_cidrs = {*http::Cidr::Parse("10.0.0.0/8")};
  ApiFixture api(o);
  api.AddUser("dc", Role::kAdmin, "district-admin-pass");
  api.AddUser("gill", Role::kSector, "sector-officer-pass", {{34, 1}});
  auto post_from = [&](const std::string& client, const std::string& target, const json& body,
                       const std::string& token = "") {
    TestRequest req{boost::beast::http::verb::post,
                    target,
                    body.dump(),
                    {{"Content-Type", "application/json"}}};
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    req.client_ip = client;
    return api.Call(std::move(req));
  };
  const json admin_login{{"user", "dc"}, {"password", "district-admin-pass"}};
  auto r = post_from("203.0.113.9", "/api/v1/sessions", admin_login);
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(r.ProblemReason(), "admin_network");
  EXPECT_EQ(post_from("10.1.2.3", "/api/v1/sessions", admin_login).status, 201u);
  EXPECT_EQ(post_from("203.0.113.9", "/api/v1/sessions",
                      json{{"user", "gill"}, {"password", "sector-officer-pass"}})
                .status,
            201u);

  // Reports too: an admin may report for any station, but only from inside.
  const std::string admin = api.AdminToken();
  r = post_from("203.0.113.9", "/api/v1/stations/34-1/reports", api.QueueReport(1, 1), admin);
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(r.ProblemReason(), "admin_network");
  r = post_from("203.0.113.9", "/api/v1/reports/batch",
                json{{"reports", json::array({api.QueueReport(1, 1)})}}, admin);
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(
      post_from("10.1.2.3", "/api/v1/stations/34-1/reports", api.QueueReport(1, 1), admin).status,
      201u);
}

}  // namespace
}  // namespace psm::api
