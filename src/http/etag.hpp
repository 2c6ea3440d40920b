// Conditional GETs: whether a request's If-None-Match names the current ETag, so the answer
// can be 304. One matcher for every route that sends ETags.
#pragma once

#include <string_view>

namespace psm::http {

// True when `if_none_match` (the header's value; empty when absent) matches `etag` (quoted, as
// sent in ETag): it may list several tags, weak ones ("W/…") compare by their opaque part, and
// "*" matches any (RFC 9110 §13.1.2). Pure; allocates nothing.
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

}  // namespace psm::http
