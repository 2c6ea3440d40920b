// The web pages (voter `/`, officer `/officer`, control room `/control`) and their assets,
// read once at start-up from the web root and served from memory with ETags and the
// security headers pages need.
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
  bool is_page = false;  // HTML: revalidated on every load, CSP attached
};

// Loads every file under `root` except node_modules/ and files starting with '.', and the
// vendor files listed in `root`/vendor.txt (lines "URL-PATH = RELATIVE-PATH", e.g.
// "/vendor/leaflet.js = node_modules/leaflet/dist/leaflet.js"). index.html, officer.html and
// control.html are also served at "/", "/officer" and "/control". A missing root is not an
// error (the API still works): the result is empty. Blocks on file I/O; call at start-up.
Result<std::vector<StaticFile>> LoadStaticFiles(const std::filesystem::path& root);

// Registers one exact GET route per file.
void AddStaticRoutes(http::Router& router, std::vector<StaticFile> files);

// The Content-Security-Policy for the pages: scripts and styles only from this origin (no
// inline code), map tiles from OpenStreetMap, connections only back to this origin.
extern const char* const kPageContentSecurityPolicy;

}  // namespace psm::api
