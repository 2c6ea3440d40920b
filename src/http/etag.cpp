// The If-None-Match list, walked without copying.
#include "http/etag.hpp"

#include "core/text.hpp"

namespace psm::http {

bool IfNoneMatchHits(std::string_view header, std::string_view etag) {
  for (std::string_view item : Split(header, ',')) {
    item = Trim(item, kBlanks);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || (!item.empty() && item == etag)) return true;
  }
  return false;
}

}  // namespace psm::http
