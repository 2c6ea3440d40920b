// Pages are small and few, so they live in memory: a request never touches the disk.
#include "api/static_files.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "api/static_gzip.hpp"
#include "api/static_versions.hpp"
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

// Pages are revalidated on every load (a 304 when unchanged), so a new release reaches officers
// at once. Everything a page loads carries its content hash in its URL (?v=), so a browser may
// keep it for a year without asking: a new release loads new URLs. A request without the current
// hash (an old page during an upgrade, a hand-typed URL, /favicon.ico) is revalidated instead,
// so it never pins an old file under a new URL or the reverse.
constexpr const char* kPageCache = "no-cache";
constexpr const char* kVersionedCache = "public, max-age=31536000, immutable";
constexpr const char* kUnversionedCache = "no-cache";

// gzip is kept only when it saves at least this share of the bytes (images seldom shrink).
constexpr double kGzipMinSaving = 0.1;

bool Compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/manifest+json") ||
         content_type.starts_with("image/svg+xml") || content_type.starts_with("image/x-icon");
}

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
  f.body = std::make_shared<const std::string>(std::move(body).value());
  return f;
}

// ETags and gzip of the final bytes (after VersionReferences). The gzip ETag is the identity one
// with a suffix, so both stay the same on every node.
void Finish(StaticFile& f) {
  f.etag = EtagOf(*f.body);
  if (!Compressible(f.content_type)) return;
  auto gz = Gzip(*f.body);
  if (!gz || static_cast<double>(gz->size()) > (1 - kGzipMinSaving) * f.body->size()) return;
  f.gzip_body = std::make_shared<const std::string>(std::move(*gz));
  f.gzip_etag = f.etag.substr(0, f.etag.size() - 1) + "-gzip\"";
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
  VersionReferences(files);
  static const std::map<std::string, std::string> kPages = {
      {"/index.html", "/"}, {"/officer.html", "/officer"}, {"/control.html", "/control"}};
  const std::size_t loaded = files.size();
  for (std::size_t i = 0; i < loaded; ++i) {
    Finish(files[i]);
    if (const auto page = kPages.find(files[i].url_path); page != kPages.end()) {
      StaticFile alias = files[i];
      alias.url_path = page->second;
      files.push_back(std::move(alias));
    }
  }
  return files;
}

void AddStaticRoutes(http::Router& router, std::vector<StaticFile> files) {
  for (auto& file : files) {
    auto shared = std::make_shared<const StaticFile>(std::move(file));
    router.Add(boost::beast::http::verb::get, shared->url_path,
               [shared](http::Request& req, http::Reply reply) {
                 const StaticFile& f = *shared;
                 const char* cache = f.is_page ? kPageCache : kUnversionedCache;
                 if (!f.is_page && !f.version.empty() && req.Query("v") == f.version)
                   cache = kVersionedCache;
                 const bool gzip = f.gzip_body && AcceptsGzip(req.Header("Accept-Encoding"));
                 const std::string& etag = gzip ? f.gzip_etag : f.etag;
                 if (http::IfNoneMatchHits(req.Header("If-None-Match"), etag)) {
                   auto r = http::Response::NotModified(etag);
                   r.With("Cache-Control", cache);
                   if (f.gzip_body) r.With("Vary", "Accept-Encoding");
                   return reply(std::move(r));
                 }
                 auto r = http::Response::Shared(200, gzip ? f.gzip_body : f.body, f.content_type);
                 r.With("ETag", etag).With("Cache-Control", cache);
                 if (gzip) r.With("Content-Encoding", "gzip");
                 if (f.gzip_body) r.With("Vary", "Accept-Encoding");
                 if (f.is_page) {
                   r.With("Content-Security-Policy", kPageContentSecurityPolicy)
                       .With("Permissions-Policy", "geolocation=(self), camera=(), microphone=()");
                 }
                 reply(std::move(r));
               });
  }
}

}  // namespace psm::api
