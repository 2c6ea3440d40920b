#include "api/static_versions.hpp"

#include <gtest/gtest.h>

namespace psm::api {
namespace {

StaticFile File(std::string url, std::string type, std::string body, bool page = false) {
  StaticFile f;
  f.url_path = std::move(url);
  f.content_type = std::move(type);
  f.body = std::make_shared<const std::string>(std::move(body));
  f.is_page = page;
  return f;
}

const char* const kJs = "text/javascript; charset=utf-8";
const char* const kCss = "text/css; charset=utf-8";
const char* const kHtml = "text/html; charset=utf-8";

std::vector<StaticFile> Site(const std::string& api_js) {
  std::vector<StaticFile> files;
  files.push_back(File("/index.html", kHtml,
                       "<link rel=\"stylesheet\" href=\"/css/a.css\">"
                       "<script type=\"module\" src=\"/js/main.js\"></script>"
                       "<a href=\"/\">home</a><a href=\"/officer\">o</a>",
                       true));
  files.push_back(File("/js/main.js", kJs,
                       "import { x } from './api.js';\n"
                       "const lib = () => load('/vendor/lib.js');\n"
                       "const csv = '/api/v1/turnout.csv'; const other = \"./nowhere.js\";\n"
                       "const later = () => import(\"./api.js\");\n"));
  files.push_back(File("/js/api.js", kJs, api_js));
  files.push_back(File("/vendor/lib.js", kJs, "lib('./not/ours.js', \"/js/api.js?x=1\");"));
  files.push_back(File("/css/a.css", kCss,
                       "a{background:url(../img/dot.png)} b{background:url( \"/img/dot.png\" )}"
                       " c{background:url(data:image/png;base64,xyz)}"));
  files.push_back(File("/img/dot.png", "image/png", "\x89PNG..."));
  return files;
}

const StaticFile& Get(const std::vector<StaticFile>& files, const std::string& url) {
  for (const auto& f : files) {
    if (f.url_path == url) return f;
  }
  static const StaticFile kNone;
  ADD_FAILURE() << "no " << url;
  return kNone;
}

TEST(StaticVersions, ReferencesCarryTheVersionOfWhatTheyName) {
  auto files = Site("export const x = 1;");
  VersionReferences(files);
  const auto& api = Get(files, "/js/api.js");
  const auto& lib = Get(files, "/vendor/lib.js");
  const auto& main = Get(files, "/js/main.js");
  const auto& css = Get(files, "/css/a.css");
  const auto& dot = Get(files, "/img/dot.png");
  ASSERT_EQ(api.version.size(), 16u);
  EXPECT_EQ(*main.body, "import { x } from './api.js?v=" + api.version +
                            "';\n"
                            "const lib = () => load('/vendor/lib.js?v=" +
                            lib.version +
                            "');\n"
                            "const csv = '/api/v1/turnout.csv'; const other = \"./nowhere.js\";\n"
                            "const later = () => import(\"./api.js?v=" +
                            api.version + "\");\n");
  EXPECT_EQ(*lib.body, "lib('./not/ours.js', \"/js/api.js?x=1\");") << "left as it was";
  EXPECT_EQ(*css.body, "a{background:url(../img/dot.png?v=" + dot.version +
                           ")} b{background:url( \"/img/dot.png?v=" + dot.version +
                           "\" )} c{background:url(data:image/png;base64,xyz)}");
  const auto& page = Get(files, "/index.html");
  EXPECT_TRUE(page.version.empty()) << "pages are never versioned";
  EXPECT_EQ(*page.body, "<link rel=\"stylesheet\" href=\"/css/a.css?v=" + css.version +
                            "\"><script type=\"module\" src=\"/js/main.js?v=" + main.version +
                            "\"></script><a href=\"/\">home</a><a href=\"/officer\">o</a>");
}

TEST(StaticVersions, AChangeDeepDownChangesEveryVersionAbove) {
  auto before = Site("export const x = 1;");
  auto after = Site("export const x = 2;");
  VersionReferences(before);
  VersionReferences(after);
  EXPECT_NE(Get(before, "/js/api.js").version, Get(after, "/js/api.js").version);
  EXPECT_NE(Get(before, "/js/main.js").version, Get(after, "/js/main.js").version)
      << "main.js imports api.js: a new api.js must come with a new main.js URL";
  EXPECT_NE(*Get(before, "/index.html").body, *Get(after, "/index.html").body);
  EXPECT_EQ(Get(before, "/css/a.css").version, Get(after, "/css/a.css").version);
  EXPECT_EQ(Get(before, "/vendor/lib.js").version, Get(after, "/vendor/lib.js").version);
}

TEST(StaticVersions, ImportCyclesEnd) {
  std::vector<StaticFile> files;
  files.push_back(File("/a.js", kJs, "import './b.js';"));
  files.push_back(File("/b.js", kJs, "import './a.js';"));
  VersionReferences(files);
  // a.js is walked first: b.js's reference back to it closes the cycle and carries a hash too.
  EXPECT_TRUE(files[1].body->starts_with("import './a.js?v=")) << *files[1].body;
  EXPECT_EQ(files[1].body->size(), std::string("import './a.js?v=';").size() + 16);
  EXPECT_EQ(*files[0].body, "import './b.js?v=" + files[1].version + "';");
  EXPECT_FALSE(files[0].version.empty());
}

TEST(StaticVersions, ResolvesOnlyLocalPaths) {
  EXPECT_EQ(ResolveReference("/js/a.js", "./b.js", false), "/js/b.js");
  EXPECT_EQ(ResolveReference("/js/a.js", "../css/c.css", false), "/css/c.css");
  EXPECT_EQ(ResolveReference("/js/a.js", "/vendor/l.js", false), "/vendor/l.js");
  EXPECT_EQ(ResolveReference("/vendor/l.css", "images/x.png", true), "/vendor/images/x.png");
  EXPECT_EQ(ResolveReference("/js/a.js", "b.js", false), std::nullopt) << "a bare name";
  EXPECT_EQ(ResolveReference("/js/a.js", "../../x.js", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "//cdn.example/x.js", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "https://x/y.js", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "/x.js?v=1", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "/x.js#top", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "/a b.js", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "/js/", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "", false), std::nullopt);
  EXPECT_EQ(ResolveReference("/js/a.js", "/", false), std::nullopt);
}

}  // namespace
}  // namespace psm::api
