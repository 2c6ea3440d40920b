// One counter series per limit, resolved once so a refusal costs an increment.
#include "http/limit_refusals.hpp"

#include "core/enum_names.hpp"
#include "http/problem.hpp"

namespace psm::http {

namespace {

constexpr EnumNames<Limit, Limit::kToken> kLimits({"lookup", "login", "connections", "streams",
                                                   "token"});

}  // namespace

std::string_view LimitName(Limit limit) {
  return kLimits.Name(limit);
}

LimitRefusals::LimitRefusals(Metrics& metrics) {
  auto& family =
      metrics.AddCounter("psm_rate_limited_total",
                         "Requests and connections refused by a limit, by limit.", {"limit"});
  for (std::size_t i = 0; i < kLimitCount; ++i)
    series_[i] = &family.With({LimitName(static_cast<Limit>(i))});
}

void LimitRefusals::Count(Limit limit) {
  series_[static_cast<std::size_t>(limit)]->Inc();
}

Response LimitRefusals::Refuse(Limit limit, std::chrono::seconds retry_after, std::string detail) {
  Count(limit);
  return TooManyRequests(LimitName(limit), retry_after, std::move(detail));
}

}  // namespace psm::http
