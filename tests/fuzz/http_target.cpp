// Fuzzes a request-target: path and query percent-decoding (Request::SetTarget), the query
// lookups the handlers make, and routing of the decoded path. Input: the target after the method.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/text.hpp"
#include "fuzz_routes.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const psm::http::Router router = psm::fuzz::ApiRouter();
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  (void)psm::http::PercentDecode(target, /*plus_as_space=*/true);
  psm::http::Request req;
  if (!req.SetTarget(target)) return 0;
  // What SetTarget promises of what it accepts: UTF-8 throughout.
  for (const auto& [name, value] : req.QueryParams()) {
    if (!psm::IsValidUtf8(name) || !psm::IsValidUtf8(value)) __builtin_trap();
  }
  if (!psm::IsValidUtf8(req.path())) __builtin_trap();
  for (const char* name : {"ac", "q", "near", "limit", "sort", "epic", "since", "station"}) {
    if (const auto v = req.Query(name)) {
      (void)psm::ParseInt<int>(*v);
      (void)psm::ParseFiniteDouble(*v);
    }
  }
  for (const auto method : {boost::beast::http::verb::get, boost::beast::http::verb::post}) {
    const auto match = router.Match(method, req.path(), req.mutable_params());
    if (match.kind == psm::http::RouteMatch::Kind::kFound) (void)req.Param("id");
  }
  return 0;
}
