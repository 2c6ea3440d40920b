// Versioned URLs for the web files: every reference from a page, script or style sheet to another
// served file is rewritten at start-up to carry "?v=" and a hash of that file, so the files can
// be cached for a year and a new release is fetched at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/static_files.hpp"

namespace psm::api {

// Rewrites the bodies of the HTML, JavaScript and CSS files in `files` so that each reference to
// a served file that is not a page carries "?v=<its version>", and sets `version` on every file
// that is not a page: a hash of its final bytes. A file's bytes include the versioned URLs of
// what it references, so its version changes whenever anything it loads changes, however deep:
// an old cached module is never mixed with a new page. A reference is a quoted string (or, in
// CSS, an unquoted url(...)) naming a served file by an absolute path ("/js/api.js") or one
// relative to the referring file ("./api.js", "../css/x.css"; in CSS also "images/x.png"), with
// no query or fragment of its own. In an import cycle the reference that closes the cycle
// carries the hash of the file as read. Pure; call once at start-up.
void VersionReferences(std::vector<StaticFile>& files);

// The URL path `ref` names when it appears in the file at `from` (a URL path), or nullopt when it
// is no local path: a scheme, "//host", a query or fragment, blanks, or ".." above the root.
// Bare relative names ("x.png") count only when `bare_ok` (CSS url()). Pure.
std::optional<std::string> ResolveReference(std::string_view from, std::string_view ref,
                                            bool bare_ok);

}  // namespace psm::api
