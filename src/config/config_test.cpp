#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/dotenv.hpp"
#include "config/serve_config.hpp"
#include "config/web_root.hpp"

namespace psm {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* k : {"PSM_LISTEN", "PSM_STORE", "PSM_STALE_AFTER_MIN"})
      ::unsetenv(k);
    dir_ = fs::temp_directory_path() / ("psm-config-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    for (const char* k : {"PSM_LISTEN", "PSM_STORE", "PSM_STALE_AFTER_MIN"})
      ::unsetenv(k);
    fs::remove_all(dir_);
  }
  ServeConfig Parse(std::vector<std::string> args) {
    ServeConfig c;
    CLI::App app;
    AddServeOptions(app, c);
    std::vector<const char*> argv{"serve"};
    for (auto& a : args)
      argv.push_back(a.c_str());
    app.parse(static_cast<int>(argv.size()), argv.data());
    return c;
  }
  fs::path dir_;
};

TEST_F(ConfigTest, DefaultsApplyWhenNothingIsSet) {
  ServeConfig c = Parse({});
  EXPECT_EQ(c.listen, "0.0.0.0:8080");
  EXPECT_EQ(c.store, "sqlite:var/psm.db");
  EXPECT_EQ(c.stale_after_min, 30);
}

TEST_F(ConfigTest, PrecedenceIsFlagsThenEnvThenDotEnvThenDefaults) {
  std::ofstream(dir_ / ".env") << "# comment\nPSM_LISTEN=127.0.0.1:1111\n"
                               << "export PSM_STORE=\"sqlite:/tmp/dotenv.db\"\n"
                               << "PSM_STALE_AFTER_MIN=45\nOTHER_KEY=ignored\n";
  ::setenv("PSM_LISTEN", "127.0.0.1:2222", 1);
  auto loaded = LoadDotEnv(dir_ / ".env");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, 3);  // three PSM_ keys applied; setenv without overwrite keeps PSM_LISTEN
  ServeConfig c = Parse({"--stale-after-min", "20"});
  EXPECT_EQ(c.listen, "127.0.0.1:2222");        // environment beats .env
  EXPECT_EQ(c.store, "sqlite:/tmp/dotenv.db");  // .env beats the default
  EXPECT_EQ(c.stale_after_min, 20);             // the flag beats .env
}

TEST_F(ConfigTest, DotEnvErrorsNameFileAndLine) {
  std::ofstream(dir_ / ".env") << "PSM_A=1\nnot a pair\n";
  auto loaded = LoadDotEnv(dir_ / ".env");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().detail.find(".env:2:"), std::string::npos);
  EXPECT_TRUE(LoadDotEnv(dir_ / "missing.env").ok());
}

TEST_F(ConfigTest, ParseDotEnvReadsWithoutTouchingTheEnvironment) {
  ::unsetenv("PSM_PARSE_ONLY");
  const auto vars =
      ParseDotEnv("PSM_PARSE_ONLY=1\r\nexport PSM_B='two words'\nOTHER=x\nPSM_C=3", "f");
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ(*vars, (std::vector<std::pair<std::string, std::string>>{
                       {"PSM_PARSE_ONLY", "1"}, {"PSM_B", "two words"}, {"PSM_C", "3"}}));
  EXPECT_EQ(::getenv("PSM_PARSE_ONLY"), nullptr);
  const auto bad = ParseDotEnv("PSM_A=1\n\n=2\n", "f");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().detail.find("f:3: "), std::string::npos);
}

TEST_F(ConfigTest, ResolveDerivesTheDayAndClock) {
  ServeConfig c = Parse({"--listen", "127.0.0.1:9000", "--poll-date", "2026-11-30", "--clock-start",
                         "07:00", "--clock-speed", "60"});
  ASSERT_TRUE(ResolveServeConfig(c, *ParseRfc3339("2026-11-30T03:00:00Z")).ok());
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 9000);
  ASSERT_TRUE(c.clock_start_at);
  EXPECT_EQ(FormatRfc3339(*c.clock_start_at), "2026-11-30T01:30:00Z");
}

TEST_F(ConfigTest, TheClockOriginIsSharedByTheNodesOfACluster) {
  ServeConfig c = Parse(
      {"--poll-date", "2026-11-30", "--clock-start", "07:00", "--clock-origin", "1796600000000"});
  ASSERT_TRUE(ResolveServeConfig(c, *ParseRfc3339("2026-11-30T03:00:00Z")).ok());
  ASSERT_TRUE(c.clock_origin);
  EXPECT_EQ(c.clock_origin->time_since_epoch().count(), 1796600000000);
  ServeConfig alone = Parse({"--clock-start", "07:00"});
  ASSERT_TRUE(ResolveServeConfig(alone, *ParseRfc3339("2026-11-30T03:00:00Z")).ok());
  EXPECT_FALSE(alone.clock_origin);
}

TEST_F(ConfigTest, RedisJoinsOnlyTheNodesOfAPostgresStore) {
  ServeConfig sqlite = Parse({"--store", "sqlite:var/psm.db", "--redis", "redis://127.0.0.1:6379"});
  const Status refused = ResolveServeConfig(sqlite, *ParseRfc3339("2026-11-30T03:00:00Z"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find("--redis"), std::string::npos);
  ServeConfig pg = Parse({"--store", "postgresql://psm@db:5432/psm", "--redis", "redis://r:6379"});
  EXPECT_TRUE(ResolveServeConfig(pg, *ParseRfc3339("2026-11-30T03:00:00Z")).ok());
}

TEST_F(ConfigTest, DefaultPollDateIsTodayInTheDistrict) {
  ServeConfig c = Parse({});
  // 20:00 UTC is already the next day in India.
  ASSERT_TRUE(ResolveServeConfig(c, *ParseRfc3339("2026-11-30T20:00:00Z")).ok());
  EXPECT_EQ(FormatDate(c.day.date), "2026-12-01");
}

TEST_F(ConfigTest, ResolveRejectsNonsense) {
  for (auto args : std::vector<std::vector<std::string>>{{"--listen", "nohost"},
                                                         {"--listen", "1.2.3.4:99999"},
                                                         {"--clock-start", "7am"},
                                                         {"--poll-date", "30-11-2026"},
                                                         {"--clock-speed", "0"},
                                                         {"--utc-offset", "IST"},
                                                         {"--lookup-rate", "0"},
                                                         {"--lookup-burst", "0.5"},
                                                         {"--token-rate", "-1"},
                                                         {"--token-burst", "0"},
                                                         {"--login-failures-per-min", "0"},
                                                         {"--pin-digits", "5"},
                                                         {"--pin-digits", "11"}}) {
    ServeConfig c = Parse(args);
    EXPECT_FALSE(ResolveServeConfig(c, *ParseRfc3339("2026-11-30T03:00:00Z")).ok()) << args[0];
  }
}

// Runs in a folder of its own, as a service does (WorkingDirectory=/var/lib/psm).
class WebRootTest : public ConfigTest {
 protected:
  void SetUp() override {
    ConfigTest::SetUp();
    previous_ = fs::current_path();
    fs::create_directories(dir_ / "work");
    fs::create_directories(dir_ / "usr" / "share" / "psm" / "web");
    fs::current_path(dir_ / "work");
  }
  void TearDown() override {
    fs::current_path(previous_);
    ConfigTest::TearDown();
  }
  fs::path program() const { return dir_ / "usr" / "bin" / "psm"; }
  fs::path previous_;
};

TEST_F(WebRootTest, DefaultFallsBackToThePagesInstalledBesideTheProgram) {
  EXPECT_EQ(ResolveWebRoot(kDefaultWebRoot, program()), dir_ / "usr" / "share" / "psm" / "web");
}

TEST_F(WebRootTest, AWebFolderInTheWorkingFolderWins) {
  fs::create_directories("web");
  EXPECT_EQ(ResolveWebRoot(kDefaultWebRoot, program()), fs::path("web"));
}

TEST_F(WebRootTest, AFolderGivenByNameIsKeptEvenIfMissing) {
  EXPECT_EQ(ResolveWebRoot("/srv/pages", program()), fs::path("/srv/pages"));
}

TEST_F(WebRootTest, NoInstalledPagesKeepsTheDefault) {
  fs::remove_all(dir_ / "usr" / "share");
  EXPECT_EQ(ResolveWebRoot(kDefaultWebRoot, program()), fs::path(kDefaultWebRoot));
  EXPECT_EQ(ResolveWebRoot(kDefaultWebRoot, fs::path()), fs::path(kDefaultWebRoot));
}

TEST(RunningProgram, IsThisTest) {
  EXPECT_EQ(RunningProgram().filename(), "config_test");
}

TEST(ParseListen, Ipv6) {
  auto r = ParseListen("[::1]:8080");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, "::1");
  EXPECT_EQ(r->second, 8080);
}

}  // namespace
}  // namespace psm
