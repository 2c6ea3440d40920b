// The Error → status → problem+json table and the server's own problems.
#include "http/problem.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace psm::http {
namespace {

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(HttpProblem, StatusTable) {
  struct Row {
    ErrorCode code;
    unsigned status;
  };
  const Row rows[] = {{ErrorCode::kInvalid, 422},     {ErrorCode::kConflict, 409},
                      {ErrorCode::kNotFound, 404},    {ErrorCode::kUnauthorized, 401},
                      {ErrorCode::kForbidden, 403},   {ErrorCode::kLocked, 429},
                      {ErrorCode::kUnavailable, 503}, {ErrorCode::kInternal, 500}};
  for (const Row& row : rows) {
    EXPECT_EQ(StatusFor(row.code), row.status);
    Response r = ProblemFor(Error{row.code, "some_reason", "detail text"});
    EXPECT_EQ(r.status, row.status);
    EXPECT_EQ(r.content_type, "application/problem+json");
    auto j = nlohmann::json::parse(*r.body);
    EXPECT_EQ(j["status"], row.status);
    EXPECT_EQ(j["type"], "https://psm.invalid/problems/some_reason");
    EXPECT_TRUE(j["title"].is_string());
    EXPECT_TRUE(j["detail"].is_string());
  }
}

TEST(HttpProblem, SpecialHeadersAndHiddenInternals) {
  Response unauthorized = ProblemFor(Error::Unauthorized("bad_token", "x"));
  EXPECT_EQ(HeaderOf(unauthorized, "WWW-Authenticate"), "Bearer");

  Response locked = ProblemFor(Error::Locked("pin_lockout", "x"), std::chrono::seconds(30));
  EXPECT_EQ(HeaderOf(locked, "Retry-After"), "30");

  Response internal = ProblemFor(Error::Internal("sqlite", "disk I/O at /var/x"));
  EXPECT_EQ(nlohmann::json::parse(*internal.body)["detail"].get<std::string>().find("/var/x"),
            std::string::npos);
}

TEST(HttpProblem, TypeUri) {
  EXPECT_EQ(ProblemTypeUri(""), "about:blank");
  EXPECT_EQ(ProblemTypeUri("Turnout_Decreased"), "https://psm.invalid/problems/turnout_decreased");
  EXPECT_EQ(ProblemTypeUri("a b/\"c"), "https://psm.invalid/problems/a_b__c");
  // No reason falls back to the code's word.
  auto j = nlohmann::json::parse(*ProblemFor(Error::Conflict("", "d")).body);
  EXPECT_EQ(j["type"], "https://psm.invalid/problems/conflict");
}

TEST(HttpProblem, NestedProblemReadsLikeTheAnswer) {
  const Error e = Error::Conflict("turnout_decreased", "lower than 120");
  const ProblemFields f = ProblemFieldsFor(e);
  const auto j = nlohmann::json::parse(*ProblemFor(e).body);
  EXPECT_EQ(f.status, j["status"].get<unsigned>());
  EXPECT_EQ(f.title, j["title"]);
  EXPECT_EQ(f.type, j["type"]);
  EXPECT_EQ(f.detail, j["detail"]);
  EXPECT_EQ(ProblemFieldsFor(Error::Internal("x", "secret")).detail.find("secret"),
            std::string::npos);
  const Response u = UnsupportedMediaType("send JSON");
  EXPECT_EQ(u.status, 415u);
  EXPECT_EQ(nlohmann::json::parse(*u.body)["type"],
            "https://psm.invalid/problems/unsupported_media_type");
}

TEST(HttpProblem, RetryAfterComesFromTheErrorUnlessGiven) {
  Error locked = Error::Locked("rate_limited_token", "slow down");
  EXPECT_EQ(HeaderOf(ProblemFor(locked), "Retry-After"), "<absent>");
  locked.retry_after = std::chrono::seconds(7);
  EXPECT_EQ(HeaderOf(ProblemFor(locked), "Retry-After"), "7");
  EXPECT_EQ(HeaderOf(ProblemFor(locked, std::chrono::seconds(3)), "Retry-After"), "3");
}

TEST(HttpProblem, ServerProblems) {
  EXPECT_EQ(BadRequest("bad json").status, 400u);
  EXPECT_EQ(NotFoundProblem("/x").status, 404u);
  Response m = MethodNotAllowed("GET, HEAD");
  EXPECT_EQ(m.status, 405u);
  EXPECT_EQ(HeaderOf(m, "Allow"), "GET, HEAD");
  Response big = PayloadTooLarge(16384);
  EXPECT_EQ(big.status, 413u);
  EXPECT_TRUE(big.close);
  EXPECT_EQ(HeaderTooLarge().status, 431u);
  Response slow = TooManyRequests("lookup", std::chrono::seconds(0), "slow down");
  EXPECT_EQ(slow.status, 429u);
  EXPECT_EQ(HeaderOf(slow, "Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(*slow.body)["type"],
            "https://psm.invalid/problems/rate_limited_lookup");
  EXPECT_EQ(Unavailable("shutting down").status, 503u);
  auto j = nlohmann::json::parse(*BadRequest("bad json").body);
  EXPECT_EQ(j["detail"], "bad json");
  EXPECT_EQ(j["type"], "https://psm.invalid/problems/bad_request");
}

}  // namespace
}  // namespace psm::http
