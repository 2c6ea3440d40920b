// Pages are small and few, so they live in memory: a request never touches the disk.
#include "api/static_files.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "core/fnv.hpp"
#include "core/text.hpp"
#include "http/etag.hpp"
#include "http/problem.hpp"

namespace psm::api {
namespace fs = std::filesystem;

const char* const kPageContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://*.tile.openstreetmap.org; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

namespace {

// Pages are revalidated on every load, so a new release reaches officers at once; the libraries
// and images they pull in may be reused for five minutes, then revalidated by ETag (a 304).
constexpr int kAssetMaxAgeSeconds = 300;

std::string ContentTypeOf(const fs::path& p) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

Result<std::string> ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::Unavailable("web_root", "cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<StaticFile> Load(const fs::path& file, std::string url_path) {
  auto body = ReadAll(file);
  if (!body.ok()) return body.error();
  StaticFile f;
  f.url_path = std::move(url_path);
  f.content_type = ContentTypeOf(file);
  f.is_page = file.extension() == ".html";
  f.etag = EtagOf(*body);
  f.body = std::make_shared<const std::string>(std::move(body).value());
  return f;
}

}  // namespace

Result<std::vector<StaticFile>> LoadStaticFiles(const fs::path& root) {
  std::vector<StaticFile> files;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return files;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::end(it); it.increment(ec)) {
    if (ec) return Error::Unavailable("web_root", ec.message());
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == "node_modules" || name.front() == '.' || name == "test")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || name.front() == '.' || name == "vendor.txt" ||
        name == "package.json" || name == "package-lock.json")
      continue;
    const std::string rel = fs::relative(it->path(), root).generic_string();
    auto f = Load(it->path(), "/" + rel);
    if (!f.ok()) return f.error();
    files.push_back(*f);
    static const std::map<std::string, std::string> kPages = {
        {"index.html", "/"}, {"officer.html", "/officer"}, {"control.html", "/control"}};
    if (const auto page = kPages.find(rel); page != kPages.end()) {
      StaticFile alias = *f;
      alias.url_path = page->second;
      files.push_back(std::move(alias));
    }
  }
  std::ifstream vendor(root / "vendor.txt");
  std::string raw;
  int line_no = 0;
  while (std::getline(vendor, raw)) {
    ++line_no;
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string url(eq == std::string_view::npos ? "" : Trim(line.substr(0, eq)));
    const std::string rel(eq == std::string_view::npos ? "" : Trim(line.substr(eq + 1)));
    if (url.empty() || url[0] != '/' || rel.empty() || rel.find("..") != std::string::npos)
      return Error::Invalid("web_root", (root / "vendor.txt").string() + ":" +
                                            std::to_string(line_no) +
                                            ": expected \"/url/path = relative/path\"");
    auto f = Load(root / rel, url);
    if (!f.ok()) {
      return Error::Unavailable("web_root", (root / "vendor.txt").string() + ":" +
                                                std::to_string(line_no) + ": " + f.error().detail +
                                                " (run make setup to install the web libraries)");
    }
    files.push_back(*f);
  }
  return files;
}

void AddStaticRoutes(http::Router& router, std::vector<StaticFile> files) {
  static const std::string kPageCache = "no-cache";
  static const std::string kAssetCache = "public, max-age=" + std::to_string(kAssetMaxAgeSeconds);
  for (auto& file : files) {
    auto shared = std::make_shared<const StaticFile>(std::move(file));
    router.Add(boost::beast::http::verb::get, shared->url_path,
               [shared](http::Request& req, http::Reply reply) {
                 const StaticFile& f = *shared;
                 const std::string& cache = f.is_page ? kPageCache : kAssetCache;
                 if (http::IfNoneMatchHits(req.Header("If-None-Match"), f.etag)) {
                   auto r = http::Response::NotModified(f.etag);
                   r.With("Cache-Control", cache);
                   return reply(std::move(r));
                 }
                 auto r = http::Response::Shared(200, f.body, f.content_type);
                 r.With("ETag", f.etag).With("Cache-Control", cache);
                 if (f.is_page) {
                   r.With("Content-Security-Policy", kPageContentSecurityPolicy)
                       .With("Permissions-Policy", "geolocation=(self), camera=(), microphone=()");
                 }
                 reply(std::move(r));
               });
  }
}

}  // namespace psm::api
