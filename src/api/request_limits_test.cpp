// The API's request budgets: what each refuses, what it never refuses, and how it says so.
#include "api/request_limits.hpp"
#include "core/testing/fake_clock.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace psm::api {
namespace {

using psm::testing::FakeClock;

std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

class RequestLimitsTest : public ::testing::Test {
 protected:
  std::string Counted(std::string_view limit) {
    const std::string text = metrics_.Render();
    const std::string series = "psm_rate_limited_total{limit=\"" + std::string(limit) + "\"} ";
    const auto at = text.find(series);
    if (at == std::string::npos) return "absent";
    return text.substr(at + series.size(), text.find('\n', at) - at - series.size());
  }

  http::Metrics metrics_;
  http::LimitRefusals refusals_{metrics_};
  FakeClock clock_{Instant{}};  // budgets refill only when a test moves it
};

TEST_F(RequestLimitsTest, LookupsAreLimitedPerAddressAndSayWhich) {
  RequestLimits limits(auth::RateLimits{}, refusals_, clock_);
  for (int i = 0; i < 20; ++i)
    ASSERT_FALSE(limits.Lookup("198.51.100.7")) << i;
  auto refused = limits.Lookup("198.51.100.7");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429u);
  EXPECT_EQ(HeaderOf(*refused, "Retry-After"), "1");
  const auto j = nlohmann::json::parse(*refused->body);
  EXPECT_EQ(j["type"], "https://psm.invalid/problems/rate_limited_lookup");
  EXPECT_NE(j["detail"].get<std::string>().find("limit: lookup, 5 a second in bursts of 20"),
            std::string::npos)
      << j["detail"];
  EXPECT_FALSE(limits.Lookup("198.51.100.8")) << "another address has its own budget";
  EXPECT_EQ(Counted("lookup"), "1");
  EXPECT_EQ(Counted("token"), "0") << "every limit's series exists from the start";
}

TEST_F(RequestLimitsTest, OnlyFailedLoginsSpendTheAddressBudget) {
  RequestLimits limits(auth::RateLimits{}, refusals_, clock_);
  for (int i = 0; i < 1000; ++i)
    ASSERT_FALSE(limits.Login("203.0.113.5")) << "correct logins spend nothing";
  for (int i = 0; i < 30; ++i) {
    ASSERT_FALSE(limits.Login("203.0.113.5")) << i;
    limits.LoginFailed("203.0.113.5");
  }
  auto refused = limits.Login("203.0.113.5");
  ASSERT_TRUE(refused);
  const auto j = nlohmann::json::parse(*refused->body);
  EXPECT_EQ(j["type"], "https://psm.invalid/problems/rate_limited_login");
  EXPECT_NE(j["detail"].get<std::string>().find("30 a minute"), std::string::npos) << j["detail"];
  EXPECT_EQ(HeaderOf(*refused, "Retry-After"), "2");  // one failure back every 2 s
  EXPECT_FALSE(limits.Login("203.0.113.6"));
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(limits.Login("203.0.113.5")) << "the budget refills";
  EXPECT_EQ(Counted("login"), "1");
}

TEST_F(RequestLimitsTest, TokensHaveTheirOwnBudgets) {
  auth::RateLimits config;
  config.token = {1, 3};
  RequestLimits limits(config, refusals_, clock_);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(limits.Token("hash-a").ok());
  const Status st = limits.Token("hash-a");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kLocked);
  EXPECT_EQ(st.error().reason, "rate_limited_token");
  EXPECT_EQ(st.error().retry_after, std::chrono::seconds(1));
  EXPECT_NE(st.error().detail.find("limit: token"), std::string::npos);
  EXPECT_TRUE(limits.Token("hash-b").ok()) << "another officer behind the same address";
  EXPECT_EQ(Counted("token"), "1");
}

TEST_F(RequestLimitsTest, DisabledRefusesNothing) {
  auth::RateLimits config;
  config.enabled = false;
  RequestLimits limits(config, refusals_, clock_);
  for (int i = 0; i < 500; ++i) {
    ASSERT_FALSE(limits.Lookup("k"));
    ASSERT_FALSE(limits.Login("k"));
    limits.LoginFailed("k");
    ASSERT_TRUE(limits.Token("t").ok());
  }
  EXPECT_EQ(Counted("lookup"), "0");
}

}  // namespace
}  // namespace psm::api
