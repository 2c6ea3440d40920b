// The web pages (voter `/`, officer `/officer`, control room `/control`) and their assets,
// read once at start-up from the web root, given versioned URLs and gzipped, and served from
// memory with ETags, cache lifetimes and the security headers pages need.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "http/router.hpp"

namespace psm::api {

struct StaticFile {
  std::string url_path;      // "/", "/officer", "/app/voter.js"
  std::string content_type;  // from the file extension
  std::shared_ptr<const std::string> body;
  std::string etag;
  // The same bytes gzipped, with an ETag of their own; null when the type does not compress or
  // gzip saves less than a tenth.
  std::shared_ptr<const std::string> gzip_body;
  std::string gzip_etag;
  // For files that are not pages: the hash the pages' references carry as "?v=" (see
  // static_versions.hpp). A request with this version may be cached for a year.
  std::string version;
  bool is_page = false;  // HTML: revalidated on every load, CSP attached
};

// Loads every file under `root` except node_modules/ and files starting with '.', and the
// vendor files listed in `root`/vendor.txt (lines "URL-PATH = RELATIVE-PATH", e.g.
// "/vendor/leaflet.js = node_modules/leaflet/dist/leaflet.js"). index.html, officer.html and
// control.html are also served at "/", "/officer" and "/control". References between the files
// are versioned (VersionReferences) and what compresses is gzipped. A missing root is not an
// error (the API still works): the result is empty. Blocks on file I/O; call at start-up.
Result<std::vector<StaticFile>> LoadStaticFiles(const std::filesystem::path& root);

// Registers one exact GET route per file (HEAD answers alike, without the body). The gzip bytes
// go to requests whose Accept-Encoding allows them, with Vary: Accept-Encoding on every answer of
// a file that has them. Pages are revalidated on every load (no-cache); other files requested
// with their current "?v=" may be kept for a year (immutable), and without it (or with an older
// one) are revalidated too.
void AddStaticRoutes(http::Router& router, std::vector<StaticFile> files);

// The Content-Security-Policy for the pages: scripts and styles only from this origin (no
// inline code), map tiles from OpenStreetMap, connections only back to this origin.
extern const char* const kPageContentSecurityPolicy;

}  // namespace psm::api
