// session_handlers: officer and control-room logins (201 + token, 401, malformed bodies and
// PINs, the back-off per station and address, the per-address budget of failures) and logout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "api/testing/api_fixture.hpp"
#include "auth/secret_hash.hpp"

namespace psm::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::ApiFixtureOptions;
using testing::TestRequest;
using testing::TestResponse;

constexpr const char* kPin = "482913";
constexpr const char* kWrongPin = "111111";
const StationId kStation{34, 1};

TestResponse Login(ApiFixture& api, const std::string& station, const std::string& pin,
                   const std::string& client = "192.0.2.10") {
  TestRequest req{boost::beast::http::verb::post,
                  "/api/v1/sessions",
                  json{{"station", station}, {"pin", pin}}.dump(),
                  {{"Content-Type", "application/json"}}};
  req.client_ip = client;
  return api.Call(std::move(req));
}

// The details of the station's audit entries with `action`, oldest first.
std::vector<std::string> AuditDetails(ApiFixture& api, const std::string& station,
                                      const std::string& action) {
  AuditFilter filter;
  filter.station = station;
  auto entries = api.store().QueryAudit(filter);
  std::vector<std::string> out;
  for (const AuditEntry& e : *entries) {
    if (e.action == action) out.insert(out.begin(), e.detail);
  }
  return out;
}

class SessionHandlersTest : public ::testing::Test {
 protected:
  SessionHandlersTest() { api_.SetPin(kStation, kPin); }
  ApiFixture api_;
};

TEST_F(SessionHandlersTest, RightPinOpensAnOfficerSession) {
  const auto r = Login(api_, "34-1", kPin);
  ASSERT_EQ(r.status, 201u) << r.body;
  const auto s = r.Json();
  EXPECT_EQ(s["role"], "officer");
  EXPECT_EQ(s["station"], "34-1");
  // The answer holds the token: nothing may cache it.
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  // Sessions run on the real clock, 16 h by default.
  EXPECT_EQ(s["expires_at"], FormatRfc3339(api_.real_clock().Now() + std::chrono::hours(16)));
  const std::string token = s["token"];
  EXPECT_EQ(token.size(), 43u);
  // The token works at once, for its own station.
  EXPECT_EQ(api_.Post("/api/v1/stations/34-1/reports", api_.QueueReport(1, 2), token).status, 201u);
  EXPECT_EQ(AuditDetails(api_, "34-1", "login").size(), 1u);
}

TEST_F(SessionHandlersTest, ANodeWithoutTheWriterRoleSendsLoginsAndLogoutsOn) {
  const std::string token = Login(api_, "34-1", kPin).Json()["token"];
  api_.ctx().is_writer = false;
  auto r = Login(api_, "34-1", kPin);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.ProblemReason(), "not_writer");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  r = api_.Call(TestRequest{boost::beast::http::verb::delete_,
                            "/api/v1/sessions/current",
                            "",
                            {{"Authorization", "Bearer " + token}}});
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.ProblemReason(), "not_writer");
  EXPECT_TRUE(AuditDetails(api_, "34-1", "login_failed").empty());  // nothing was tried
  api_.ctx().is_writer = true;
  EXPECT_EQ(Login(api_, "34-1", kPin).status, 201u);
}

TEST_F(SessionHandlersTest, WrongMalformedOrMissingPinIs401AndAudited) {
  auto r = Login(api_, "34-1", kWrongPin);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ProblemReason(), "bad_credentials");
  EXPECT_EQ(r.Header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  EXPECT_EQ(Login(api_, "34-1", "12ab").status, 401u);
  EXPECT_EQ(Login(api_, "34-1", "00000000000").status, 401u);  // 11 digits: too long
  EXPECT_EQ(AuditDetails(api_, "34-1", "login_failed"),
            (std::vector<std::string>{"wrong PIN", "malformed PIN", "malformed PIN"}));
  // A station that was never issued a PIN refuses alike, and says why in the audit log only.
  r = Login(api_, "34-2", kPin);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ProblemReason(), "bad_credentials");
  EXPECT_EQ(AuditDetails(api_, "34-2", "login_failed"),
            (std::vector<std::string>{"no PIN issued"}));
}

TEST_F(SessionHandlersTest, UnknownStationIsTheSame401AsAWrongPin) {
  for (const char* station : {"99-9", "nonsense"}) {
    const auto r = Login(api_, station, kPin);
    EXPECT_EQ(r.status, 401u) << station;
    EXPECT_EQ(r.ProblemReason(), "bad_credentials") << station;
  }
}

TEST_F(SessionHandlersTest, TheBodyMustBeDeclaredJsonInAnyCase) {
  auto post_as = [&](std::string content_type) {
    TestRequest req{boost::beast::http::verb::post,
                    "/api/v1/sessions",
                    json{{"station", "34-1"}, {"pin", kPin}}.dump(),
                    {}};
    if (!content_type.empty()) req.headers.emplace_back("Content-Type", std::move(content_type));
    return api_.Call(std::move(req));
  };
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "application/jsonx", "multipart/form-data; boundary=x"}) {
    const auto r = post_as(type);
    EXPECT_EQ(r.status, 415u) << "'" << type << "'";
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  }
  // Media types are case-insensitive, and parameters may follow.
  EXPECT_EQ(post_as("APPLICATION/JSON").status, 201u);
  EXPECT_EQ(post_as("Application/Json; charset=UTF-8").status, 201u);
}

TEST_F(SessionHandlersTest, MalformedBodiesAreRefusedBeforeAnyCheck) {
  auto post_raw = [&](std::string body) {
    return api_.Call(TestRequest{boost::beast::http::verb::post,
                                 "/api/v1/sessions",
                                 std::move(body),
                                 {{"Content-Type", "application/json"}}});
  };
  EXPECT_EQ(post_raw("{not json").status, 400u);
  EXPECT_EQ(post_raw("[1,2]").status, 400u);
  for (const json& body :
       {json::object(), json{{"station", "34-1"}}, json{{"station", "34-1"}, {"pin", 482913}},
        json{{"station", 341}, {"pin", kPin}}, json{{"user", "admin"}}}) {
    const auto r = post_raw(body.dump());
    EXPECT_EQ(r.status, 422u) << body;
    EXPECT_EQ(r.ProblemReason(), "bad_login") << body;
  }
}

TEST_F(SessionHandlersTest, WrongPinsMakeTheirAddressWaitButKeepNoOfficerOut) {
  api_.SetPin({34, 2}, kPin);
  const std::string guesser = "203.0.113.66", officer = "198.51.100.7";
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(Login(api_, "34-1", kWrongPin, guesser).status, 401u) << i;
  const auto waiting = Login(api_, "34-1", kPin, guesser);  // even the right PIN waits
  EXPECT_EQ(waiting.status, 429u);
  EXPECT_EQ(waiting.ProblemReason(), "login_locked");
  EXPECT_EQ(waiting.Header("Retry-After"), "61");  // 1 min after 3 free tries, rounded up
  // The probe's lock-out: wrong PINs from one address kept the officer on another out. No more.
  EXPECT_EQ(Login(api_, "34-1", kPin, officer).status, 201u);
  EXPECT_EQ(Login(api_, "34-2", kPin, guesser).status, 201u);
  // Refused tries never reach the hash, so only the four failures are audited.
  EXPECT_EQ(AuditDetails(api_, "34-1", "login_failed").size(), 4u);
  // The wait runs on the real clock, not the polling day's, and doubles with each failure.
  api_.clock().Advance(std::chrono::minutes(2));
  EXPECT_EQ(Login(api_, "34-1", kPin, guesser).status, 429u);
  api_.real_clock().Advance(std::chrono::minutes(1) + std::chrono::seconds(1));
  EXPECT_EQ(Login(api_, "34-1", kWrongPin, guesser).status, 401u);
  EXPECT_EQ(Login(api_, "34-1", kPin, guesser).Header("Retry-After"), "121");
}

TEST_F(SessionHandlersTest, ManyAddressesGuessingAtOneStationSlowItsLogins) {
  // The station's budget: 10 failures, then one more every 3 minutes, whoever sends them.
  for (int a = 0; a < 10; ++a)
    ASSERT_EQ(Login(api_, "34-1", kWrongPin, "10.0.0." + std::to_string(a)).status, 401u) << a;
  const auto slowed = Login(api_, "34-1", kPin, "198.51.100.7");
  EXPECT_EQ(slowed.status, 429u);
  EXPECT_EQ(slowed.Header("Retry-After"), "181");
  api_.real_clock().Advance(std::chrono::minutes(3) + std::chrono::seconds(1));
  EXPECT_EQ(Login(api_, "34-1", kPin, "198.51.100.7").status, 201u);
}

TEST(SessionHandlersBudgetTest, FailedLoginsPerAddressAreBudgeted) {
  ApiFixtureOptions o;
  o.limits.login_failures = {0.01, 2};
  ApiFixture api(o);
  api.SetPin(kStation, kPin);
  // Right PINs spend nothing: a sector's officers behind one address all get in.
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Login(api, "34-1", kPin).status, 201u);
  // Failures across stations (so no station locks) spend the address's budget.
  EXPECT_EQ(Login(api, "34-2", kWrongPin).status, 401u);
  EXPECT_EQ(Login(api, "99-9", kWrongPin).status, 401u);
  const auto refused = Login(api, "34-1", kPin);
  EXPECT_EQ(refused.status, 429u);
  EXPECT_EQ(refused.ProblemReason(), "rate_limited_login");
  EXPECT_GE(std::stoi(refused.Header("Retry-After")), 1);
  EXPECT_EQ(Login(api, "34-1", kPin, "198.51.100.3").status, 201u);
}

// A probe found an unknown user refused in 4 ms and a known one with a wrong password in 222 ms
// (one Argon2 verification): the time told which names exist. Both now verify a hash; the
// bound leaves room for a noisy machine, far from the 50× it was.
TEST(SessionHandlersUserTest, AnUnknownUserTakesAsLongAsAWrongPassword) {
  ApiFixture api;
  api.AddUser("gill", Role::kSector, "sector-officer-pass", {{34, 1}});
  (void)auth::DummyHash(auth::HashCost::kPassword);  // made once, before the clock runs
  auto seconds_for = [&](const std::string& user) {
    const auto start = std::chrono::steady_clock::now();
    TestRequest req{boost::beast::http::verb::post,
                    "/api/v1/sessions",
                    json{{"user", user}, {"password", "wrong-password"}}.dump(),
                    {{"Content-Type", "application/json"}}};
    EXPECT_EQ(api.Call(std::move(req)).status, 401u) << user;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double known = std::min(seconds_for("gill"), seconds_for("gill"));
  const double unknown = std::min(seconds_for("nobody"), seconds_for("nobody"));
  EXPECT_GT(unknown, known / 3) << "unknown " << unknown << " s, known " << known << " s";
}

TEST(SessionHandlersUserTest, ControlRoomUsersLogInWithPasswords) {
  ApiFixture api;
  api.AddUser("gill", Role::kSector, "sector-officer-pass", {{34, 1}, {34, 2}});
  auto login = [&](const std::string& user, const std::string& password) {
    return api.Post("/api/v1/sessions", json{{"user", user}, {"password", password}});
  };
  auto r = login("gill", "sector-officer-pass");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json()["role"], "sector");
  EXPECT_EQ(r.Json()["user"], "gill");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_FALSE(r.Json().contains("station"));
  // The session carries the user's stations: their alerts are visible, others' are not.
  const std::string token = r.Json()["token"];
  EXPECT_EQ(api.Get("/api/v1/alerts?station=34-2", token).status, 200u);
  EXPECT_EQ(api.Get("/api/v1/alerts?station=35-1", token).status, 403u);

  r = login("gill", "wrong");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ProblemReason(), "bad_credentials");
  EXPECT_EQ(login("nobody", "sector-officer-pass").status, 401u);

  auto user = api.store().FindUser("gill");
  (*user)->disabled = true;
  ASSERT_TRUE(api.store().UpsertUser(**user).ok());
  EXPECT_EQ(login("gill", "sector-officer-pass").status, 401u);
}

TEST_F(SessionHandlersTest, LogoutEndsTheSession) {
  const std::string token = Login(api_, "34-1", kPin).Json()["token"];
  EXPECT_EQ(api_.Delete("/api/v1/sessions/current", "").status, 401u);
  const auto r = api_.Delete("/api/v1/sessions/current", token);
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.body, "");
  const auto after = api_.Post("/api/v1/stations/34-1/reports", api_.QueueReport(1, 1), token);
  EXPECT_EQ(after.status, 401u);
  EXPECT_EQ(after.ProblemReason(), "expired_token");
  EXPECT_EQ(api_.Delete("/api/v1/sessions/current", token).status, 401u);
}

TEST_F(SessionHandlersTest, SessionsExpireOnTheRealClock) {
  const std::string token = Login(api_, "34-1", kPin).Json()["token"];
  api_.real_clock().Advance(std::chrono::hours(16));
  const auto r = api_.Post("/api/v1/stations/34-1/reports", api_.QueueReport(1, 1), token);
  EXPECT_EQ(r.status, 401u);
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("expired"), std::string::npos);
}

}  // namespace
}  // namespace psm::api
