#include "api/static_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "api/testing/dispatch.hpp"

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

// A file big enough, and repetitive enough, for gzip to be worth it.
std::string Script() {
  std::string js = "import { x } from './voter.js';\n";
  for (int i = 0; i < 200; ++i)
    js += "export const f" + std::to_string(i) + " = () => x + 1;\n";
  return js;
}

class StaticRoutesTest : public StaticFilesTest {
 protected:
  void SetUp() override {
    StaticFilesTest::SetUp();
    Write("app/main.js", Script());
    Write("index.html",
          "<!doctype html><title>voter</title><script type=\"module\" src=\"/app/main.js\">"
          "</script>");
    auto files = LoadStaticFiles(root_);
    ASSERT_TRUE(files.ok()) << files.error().detail;
    files_ = *files;
    AddStaticRoutes(router_, files_);
  }
  testing::TestResponse Get(std::string target,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    testing::TestRequest req;
    req.target = std::move(target);
    req.headers = std::move(headers);
    return testing::Dispatch(router_, req, {});
  }
  std::vector<StaticFile> files_;
  http::Router router_;
};

TEST_F(StaticRoutesTest, PagesReferenceVersionedFiles) {
  const StaticFile* main = Find(files_, "/app/main.js");
  const StaticFile* voter = Find(files_, "/app/voter.js");
  ASSERT_TRUE(main && voter);
  EXPECT_EQ(main->version.size(), 16u);
  EXPECT_NE(main->body->find("from './voter.js?v=" + voter->version + "'"), std::string::npos);
  for (const char* page : {"/", "/index.html"}) {
    const auto r = Get(page);
    EXPECT_NE(r.body.find("src=\"/app/main.js?v=" + main->version + "\""), std::string::npos)
        << page << ": " << r.body;
    EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  }
}

TEST_F(StaticRoutesTest, GzipOnlyWhenAcceptedWithItsOwnEtag) {
  const StaticFile* main = Find(files_, "/app/main.js");
  ASSERT_TRUE(main && main->gzip_body);
  EXPECT_LT(main->gzip_body->size(), main->body->size() / 4);
  const std::string url = "/app/main.js?v=" + main->version;

  const auto plain = Get(url);
  EXPECT_EQ(plain.status, 200u);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  EXPECT_EQ(plain.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(plain.body, *main->body);
  EXPECT_EQ(plain.Header("Content-Length"), std::to_string(main->body->size()));

  const auto gz = Get(url, {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(gz.status, 200u);
  EXPECT_EQ(gz.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(gz.body, *main->gzip_body);
  EXPECT_EQ(gz.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(gz.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_NE(gz.Header("ETag"), plain.Header("ETag")) << "one ETag per encoding";
  EXPECT_EQ(Get(url, {{"Accept-Encoding", "gzip;q=0, br"}}).Header("Content-Encoding"), "");

  // A 304 only for the ETag of the encoding that would be sent, and it keeps Vary.
  const auto hit = Get(url, {{"Accept-Encoding", "gzip"}, {"If-None-Match", gz.Header("ETag")}});
  EXPECT_EQ(hit.status, 304u);
  EXPECT_EQ(hit.Header("ETag"), gz.Header("ETag"));
  EXPECT_EQ(hit.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(hit.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(hit.body, "");
  EXPECT_EQ(Get(url, {{"If-None-Match", gz.Header("ETag")}}).status, 200u);
  EXPECT_EQ(Get(url, {{"If-None-Match", plain.Header("ETag")}}).status, 304u);
  EXPECT_EQ(Get(url, {{"Accept-Encoding", "gzip"}, {"If-None-Match", plain.Header("ETag")}}).status,
            200u);
}

TEST_F(StaticRoutesTest, OnlyTheCurrentVersionIsImmutable) {
  const StaticFile* main = Find(files_, "/app/main.js");
  ASSERT_TRUE(main);
  EXPECT_EQ(Get("/app/main.js").Header("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/app/main.js?v=0123456789abcdef").Header("Cache-Control"), "no-cache")
      << "an older page's URL gets today's file, but must not keep it";
  const auto small = Get("/app/voter.js?v=" + Find(files_, "/app/voter.js")->version,
                         {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(small.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(small.Header("Content-Encoding"), "") << "too small to gain from gzip";
  EXPECT_EQ(small.Header("Vary"), "");
}

TEST_F(StaticFilesTest, MissingRootIsEmptyNotAnError) {
  auto files = LoadStaticFiles(root_ / "nowhere");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

}  // namespace
}  // namespace psm::api
