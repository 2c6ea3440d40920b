// gzip for the web files: compressed once at start-up with zlib, and the request's
// Accept-Encoding read to choose between the gzip and the identity bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace psm::api {

// `bytes` as a gzip member (RFC 1952: no file name, modification time 0, so the same input gives
// the same output on every node with the same zlib), at zlib's best compression. nullopt only
// when zlib fails (out of memory). Pure; blocks for about 10 ms per 100 KB.
std::optional<std::string> Gzip(std::string_view bytes);

// Whether an Accept-Encoding value (empty when absent) lets the answer be gzip: "gzip" (or
// "x-gzip") or "*" listed with a q-value above 0, and gzip not refused by its own "q=0"
// (RFC 9110 §12.5.3). Pure; allocates nothing.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace psm::api
