#include "api/static_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace psm::api {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("psm-web-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "app");
    fs::create_directories(root_ / "node_modules" / "lib" / "dist");
    Write("index.html", "<!doctype html><title>voter</title>");
    Write("officer.html", "<!doctype html><title>officer</title>");
    Write("app/voter.js", "export const x = 1;");
    Write(".hidden", "secret");
    Write("package.json", "{}");
    Write("node_modules/lib/dist/lib.js", "lib();");
    Write("node_modules/lib/other.js", "not served");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }
  const StaticFile* Find(const std::vector<StaticFile>& files, const std::string& url) {
    for (const auto& f : files) {
      if (f.url_path == url) return &f;
    }
    return nullptr;
  }
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesPagesAssetsAndListedVendorFilesOnly) {
  Write("vendor.txt", "# libraries from npm\n/vendor/lib.js = node_modules/lib/dist/lib.js\n");
  auto files = LoadStaticFiles(root_);
  ASSERT_TRUE(files.ok()) << files.error().detail;
  ASSERT_TRUE(Find(*files, "/"));
  EXPECT_TRUE(Find(*files, "/")->is_page);
  EXPECT_EQ(Find(*files, "/")->content_type, "text/html; charset=utf-8");
  ASSERT_TRUE(Find(*files, "/officer"));
  EXPECT_FALSE(Find(*files, "/control"));  // no control.html in this root
  ASSERT_TRUE(Find(*files, "/app/voter.js"));
  EXPECT_EQ(Find(*files, "/app/voter.js")->content_type, "text/javascript; charset=utf-8");
  ASSERT_TRUE(Find(*files, "/vendor/lib.js"));
  EXPECT_EQ(*Find(*files, "/vendor/lib.js")->body, "lib();");
  EXPECT_FALSE(Find(*files, "/.hidden"));
  EXPECT_FALSE(Find(*files, "/package.json"));
  EXPECT_FALSE(Find(*files, "/node_modules/lib/other.js"));
  EXPECT_FALSE(Find(*files, "/vendor.txt"));
}

TEST_F(StaticFilesTest, BadVendorLineNamesFileAndLine) {
  Write("vendor.txt", "/ok.js = node_modules/lib/dist/lib.js\nnonsense\n");
  auto files = LoadStaticFiles(root_);
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.error().detail.find("vendor.txt:2:"), std::string::npos);
  Write("vendor.txt", "/x.js = node_modules/missing.js\n");
  auto missing = LoadStaticFiles(root_);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().detail.find("vendor.txt:1:"), std::string::npos);
  Write("vendor.txt", "/x.js = ../../etc/passwd\n");
  EXPECT_FALSE(LoadStaticFiles(root_).ok());
}

TEST_F(StaticFilesTest, MissingRootIsEmptyNotAnError) {
  auto files = LoadStaticFiles(root_ / "nowhere");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

}  // namespace
}  // namespace psm::api
