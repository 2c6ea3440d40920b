// OpenStore's URL handling and the Role names.
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/store_suite.hpp"

namespace psm::testing {
namespace {

TEST(OpenStoreTest, SqliteUrlCreatesParentDirectories) {
  TempDir dir;
  const auto path = dir.path() / "var" / "lib" / "psm.db";
  auto store = OpenStore("sqlite:" + path.string());
  ASSERT_TRUE(store.ok()) << store.error().detail;
  EXPECT_TRUE(std::filesystem::exists(path));
  auto version = (*store)->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 0);  // opening does not migrate
  ASSERT_TRUE((*store)->Migrate().ok());
  ASSERT_TRUE((*store)->UpsertConstituencies(TestConstituencies()).ok());
}

TEST(OpenStoreTest, InMemorySqlite) {
  auto store = OpenStore("sqlite::memory:");
  ASSERT_TRUE(store.ok()) << store.error().detail;
  ASSERT_TRUE((*store)->Migrate().ok());
}

TEST(OpenStoreTest, BadUrlsAreInvalid) {
  for (const char* url : {"mysql:db", "psm.db", "", "sqlite:", "SQLITE:x.db"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, ErrorCode::kInvalid) << url;
  }
}

TEST(OpenStoreTest, UnwritableLocationIsAnError) {
  TempDir dir;
  const auto file = dir.path() / "plain";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  auto store = OpenStore("sqlite:" + (file / "psm.db").string());  // parent is a file
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role r : {Role::kOfficer, Role::kSector, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(ToString(r)), r);
  }
  EXPECT_EQ(ToString(Role::kSector), "sector");
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
}

}  // namespace
}  // namespace psm::testing
