// The reference trees, written independently of the writer's string renderers.
#include "writer/testing/render_oracle.hpp"

#include <cmath>
#include <optional>

#include "core/time.hpp"

namespace psm::testing {
namespace {

template <class T, class F>
Json OrNull(const std::optional<T>& v, F&& f) {
  return v ? Json(f(*v)) : Json(nullptr);
}

Json StatusJson(const StationStatus& st) {
  return Json{
      {"state", ToString(st.state)},
      {"queue", OrNull(st.queue, CountsJson)},
      {"wait_minutes", OrNull(st.wait,
                              [](const WaitRange& w) {
                                return Json{{"low", w.low}, {"high", w.high}};
                              })},
      {"votes_polled", OrNull(st.votes_polled, CountsJson)},
      {"turnout_pct", OrNull(st.turnout_pct, [](double p) { return p; })},
      {"reported_at", OrNull(st.reported_at, FormatRfc3339)},
      {"age_seconds", OrNull(st.age_seconds, [](std::int64_t a) { return a; })},
      {"stale", st.stale},
      {"trend", ToString(st.trend)},
      {"service_rate_per_min", std::round(st.service_rate_per_min * 100) / 100},
      {"voters_in_queue_at_close",
       OrNull(st.voters_in_queue_at_close, [](std::int64_t v) { return v; })},
      {"interruption_reason",
       st.interruption_reason.empty() ? Json(nullptr) : Json(st.interruption_reason)},
  };
}

Json CountsItem(const Report& r) {
  Json p = CountsJson(r.counts);
  p["at"] = FormatRfc3339(r.observed_at);
  return p;
}

Json EventItem(const Report& r) {
  Json p{{"at", FormatRfc3339(r.observed_at)}, {"event", ToString(r.event)}};
  if (r.event == EventKind::kInterrupted) p["reason"] = r.reason;
  if (r.event == EventKind::kPollClosed) p["voters_in_queue_at_close"] = r.voters_in_queue_at_close;
  return p;
}

Json Items(const std::vector<Report>& reports, Json (*item)(const Report&)) {
  Json out = Json::array();
  for (const auto& r : reports)
    out.push_back(item(r));
  return out;
}

}  // namespace

Json StationJson(const Station& s, const StationStatus& st) {
  // The head is a tree's dump in production too (StationHead): only the status is written twice.
  Json j = Json::parse(StationHead(s) + "}");
  j["status"] = StatusJson(st);
  return j;
}

Json TimelineJson(const std::vector<Report>& queue, const std::vector<Report>& turnout,
                  const std::vector<Report>& events) {
  return Json{{"queue", Items(queue, CountsItem)},
              {"turnout", Items(turnout, CountsItem)},
              {"events", Items(events, EventItem)}};
}

}  // namespace psm::testing
