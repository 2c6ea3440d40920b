// Public read endpoints. Each answers from the Board's pre-rendered views: no store, no lock.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "api/authenticate.hpp"
#include "api/control_access.hpp"
#include "api/handler_util.hpp"
#include "api/routes.hpp"
#include "api/station_answers.hpp"
#include "http/etag.hpp"
#include "http/prepared_response.hpp"
#include "http/problem.hpp"

namespace psm::api {
namespace {

constexpr std::size_t kDefaultListLimit = 50;
constexpr std::size_t kMaxListLimit = 5000;

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthKm = 6371.0, kRad = M_PI / 180.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthKm * std::asin(std::min(1.0, std::sqrt(a)));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Matches(const Station& s, const std::string& q) {
  for (const std::string* field : {&s.name, &s.building, &s.locality}) {
    if (Lower(*field).find(q) != std::string::npos) return true;
  }
  return s.id.ToString() == q;
}

// Inserts `"key":value,` at the front of a rendered JSON object.
std::string WithLeadingField(const std::string& body, std::string_view key,
                             std::string_view value) {
  std::string out;
  out.reserve(body.size() + key.size() + value.size() + 4);
  out += "{\"";
  out += key;
  out += "\":";
  out += value;
  out += ',';
  out.append(body, 1);
  return out;
}

void District(ApiContext& ctx, Request&, Reply reply) {
  const auto summary = ctx.board.summary();
  if (!summary) return reply(http::Unavailable("the board is still loading"));
  std::string now = "\"" + FormatRfc3339(ctx.clock.Now()) + "\"";
  reply(Response::Json(200, WithLeadingField(*summary->district_json, "now", now)));
}

void Constituencies(ApiContext& ctx, Request&, Reply reply) {
  const auto summary = ctx.board.summary();
  if (!summary) return reply(http::Unavailable("the board is still loading"));
  reply(Response::Shared(200, summary->constituencies_json, "application/json"));
}

void Turnout(ApiContext& ctx, Request&, Reply reply, bool csv) {
  const auto summary = ctx.board.summary();
  if (!summary) return reply(http::Unavailable("the board is still loading"));
  if (csv) {
    auto r = Response::Shared(200, summary->turnout_csv, "text/csv; charset=utf-8");
    r.With("Content-Disposition", "attachment; filename=\"turnout.csv\"");
    return reply(std::move(r));
  }
  reply(Response::Shared(200, summary->turnout_json, "application/json"));
}

// The query of GET /api/v1/stations, checked.
struct StationQuery {
  int ac = 0;     // 0: every constituency
  std::string q;  // lower case; empty: no text filter
  std::optional<std::pair<double, double>> near;
  std::size_t limit = kDefaultListLimit;
  std::string sort;
};

Result<StationQuery> ParseStationQuery(const Request& req) {
  StationQuery query;
  if (auto v = req.Query("ac")) {
    const auto parsed = ParseInt<int>(*v);
    if (!parsed || *parsed <= 0) return Invalid("bad_ac", "ac must be a number");
    query.ac = *parsed;
  }
  query.q = req.Query("q") ? Lower(*req.Query("q")) : "";
  if (auto v = req.Query("near")) {
    const auto comma = v->find(',');
    const auto lat =
        comma == std::string_view::npos ? std::nullopt : ParseFiniteDouble(v->substr(0, comma));
    const auto lon =
        comma == std::string_view::npos ? std::nullopt : ParseFiniteDouble(v->substr(comma + 1));
    if (!lat || !lon || std::abs(*lat) > 90 || std::abs(*lon) > 180)
      return Invalid("bad_near", "near must be lat,lon in degrees");
    query.near = std::make_pair(*lat, *lon);
  }
  if (auto v = req.Query("limit")) {
    const auto parsed = ParseInt<int>(*v);
    if (!parsed || *parsed <= 0) return Invalid("bad_limit", "limit must be a positive number");
    query.limit = std::min<std::size_t>(static_cast<std::size_t>(*parsed), kMaxListLimit);
  }
  query.sort =
      req.Query("sort") ? std::string(*req.Query("sort")) : (query.near ? "distance" : "id");
  static const std::vector<std::string> kSorts = {"id",      "name",        "wait",    "queue",
                                                  "turnout", "last_report", "distance"};
  if (std::find(kSorts.begin(), kSorts.end(), query.sort) == kSorts.end())
    return Invalid("bad_sort",
                   "sort must be one of id, name, wait, queue, turnout, last_report, distance");
  if (query.sort == "distance" && !query.near)
    return Invalid("bad_sort", "sort=distance needs near=lat,lon");
  return query;
}

struct ListedStation {
  std::shared_ptr<const StationView> view;
  double distance = 0;
};

std::vector<ListedStation> SelectStations(const Board& board, const StationQuery& query) {
  std::vector<ListedStation> items;
  for (std::uint32_t i = 0; i < board.size(); ++i) {
    auto view = board.Get(i);
    if (!view) continue;
    const Station& s = view->station;
    if (query.ac != 0 && s.id.ac != query.ac) continue;
    if (!query.q.empty() && !Matches(s, query.q)) continue;
    ListedStation item{std::move(view), 0};
    if (query.near) item.distance = DistanceKm(query.near->first, query.near->second, s.lat, s.lon);
    items.push_back(std::move(item));
  }
  return items;
}

void SortStations(std::vector<ListedStation>& items, const std::string& sort) {
  // Descending for "worst first" sorts; unknown values go last.
  constexpr double kLast = 1e18;
  auto key = [&](const ListedStation& it) -> double {
    const StationStatus& st = it.view->status;
    if (sort == "wait") return st.wait ? -st.wait->high : kLast;
    if (sort == "queue") return st.queue ? -static_cast<double>(st.queue->Total()) : kLast;
    if (sort == "turnout") return st.turnout_pct ? -*st.turnout_pct : kLast;
    if (sort == "last_report")  // longest silence first
      return it.view->last_report_at
                 ? static_cast<double>(it.view->last_report_at->time_since_epoch().count())
                 : -kLast;
    if (sort == "distance") return it.distance;
    return 0;
  };
  std::stable_sort(items.begin(), items.end(), [&](const ListedStation& a, const ListedStation& b) {
    if (sort == "name") return a.view->station.name < b.view->station.name;
    if (sort == "id") return a.view->station.id < b.view->station.id;
    return key(a) < key(b);
  });
}

std::string StationListJson(const std::vector<ListedStation>& items, std::size_t total,
                            bool with_distance) {
  std::string out = "{\"total\":" + std::to_string(total) + ",\"stations\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    if (with_distance) {
      char d[32];
      std::snprintf(d, sizeof d, "%.2f", items[i].distance);
      out += WithLeadingField(*items[i].view->body, "distance_km", d);
    } else {
      out += *items[i].view->body;
    }
  }
  out += "]}";
  return out;
}

void Stations(ApiContext& ctx, Request& req, Reply reply) {
  const auto query = ParseStationQuery(req);
  if (!query.ok()) return reply(http::ProblemFor(query.error()));
  std::vector<ListedStation> items = SelectStations(ctx.board, *query);
  SortStations(items, query->sort);
  const std::size_t total = items.size();
  if (items.size() > query->limit) items.resize(query->limit);
  reply(Response::Json(200, StationListJson(items, total, query->near.has_value())));
}

std::optional<std::uint32_t> StationIndex(ApiContext& ctx, Request& req, Reply& reply) {
  const auto id = req.Param("id");
  const auto index = ctx.board.IndexOf(id);
  if (!index) {
    reply(http::ProblemFor(Error::NotFound(
        "unknown_station",
        "no polling station \"" + std::string(id) + "\"; station ids look like 34-112 (AC-part)")));
  }
  return index;
}

void Station(ApiContext& ctx, const StationAnswers& answers, Request& req, Reply reply) {
  const auto index = StationIndex(ctx, req, reply);
  if (!index) return;
  const auto& set = answers.For(*index);
  // The view is touched only for a conditional request: on a first visit its ETag would be one
  // more cache miss per read (the stations' views are spread over the heap).
  const std::string_view if_none_match = req.Header("If-None-Match");
  const bool fresh = !if_none_match.empty() && http::IfNoneMatchHits(if_none_match, set.view->etag);
  reply(Response::FromPrepared(fresh ? set.not_modified : set.status));
}

void Timeline(ApiContext& ctx, Request& req, Reply reply) {
  const auto index = StationIndex(ctx, req, reply);
  if (!index) return;
  reply(Response::Shared(200, ctx.board.Get(*index)->timeline, "application/json"));
}

void Lookup(ApiContext& ctx, const StationAnswers& answers, Request& req, Reply reply) {
  // Every call counts, malformed ones too: each is a guess at the roll.
  if (auto refused = ctx.limits.Lookup(req.client_key)) return reply(std::move(*refused));
  const auto epic = req.Query("epic");
  if (!epic || epic->empty())
    return reply(
        http::ProblemFor(Invalid("missing_epic", "give your EPIC number: ?epic=ABC1234567")));
  if (!IsEpic(*epic))
    return reply(http::ProblemFor(Invalid(
        "bad_epic", "an EPIC number is 3 letters and 7 digits, as printed on your voter ID card")));
  const auto index = ctx.electors.Find(*epic);
  if (!index)
    return reply(http::ProblemFor(Error::NotFound(
        "unknown_epic",
        "this EPIC number is not on the roll of this district; check the number on your card, "
        "or find your station by constituency and part number")));
  reply(Response::FromPrepared(answers.For(*index).lookup));
}

// Alerts are the control room's: a stream without a token gets none, one with an admin's token
// every alert, one with a sector officer's the alerts of their stations. A token that is sent
// must be valid, and one that asks for alerts by name (`types=alert`) must be allowed them.
std::optional<Response> ScopeAlerts(ApiContext& ctx, const Request& req, http::SseFilter& filter) {
  const bool asked = filter.types != http::kSseAllTypes && (filter.types & http::kSseAlert) != 0;
  if (req.Header("Authorization").empty()) {
    if (asked)
      return http::ProblemFor(
          Error::Unauthorized("missing_token",
                              "alert events are for the control room: log in and send "
                              "Authorization: Bearer <token>"));
    filter.types &= ~http::kSseAlert;
    return std::nullopt;
  }
  auto who = Authenticate(ctx, req);
  if (!who.ok()) return http::ProblemFor(who.error());
  Status allowed = auth::RequireRole(*who, {Role::kAdmin, Role::kSector});
  if (allowed.ok()) allowed = RequireAdminNetwork(ctx, who->role, req.client_ip);
  if (!allowed.ok()) {
    if (asked) return http::ProblemFor(allowed.error());
    filter.types &= ~http::kSseAlert;
    return std::nullopt;
  }
  if (who->role == Role::kSector) {
    auto stations = std::make_shared<std::vector<std::string>>();
    for (const StationId& s : who->stations)
      stations->push_back(s.ToString());
    filter.alert_stations = std::move(stations);
  }
  return std::nullopt;
}

void Events(ApiContext& ctx, Request& req, Reply reply) {
  http::SseFilter filter;
  if (auto v = req.Query("station")) {
    if (!ctx.board.IndexOf(*v)) return reply(http::ProblemFor(UnknownStation(*v)));
    filter.station = std::string(*v);
  }
  if (auto v = req.Query("ac")) {
    const auto ac = ParseInt<int>(*v);
    if (!ac || !ctx.board.FindConstituency(*ac))
      return reply(http::ProblemFor(Invalid("bad_ac", "no constituency " + std::string(*v))));
    filter.ac = *ac;
  }
  if (auto v = req.Query("types")) {
    const auto types = http::ParseSseTypes(*v);
    if (!types)
      return reply(http::ProblemFor(
          Invalid("bad_types", "types is a comma list of status, summary and alert")));
    filter.types = *types;
  }
  if (auto refused = ScopeAlerts(ctx, req, filter)) return reply(std::move(*refused));
  std::optional<std::uint64_t> last_id;
  std::string_view last = req.Header("Last-Event-ID");
  if (last.empty() && req.Query("last_event_id")) last = *req.Query("last_event_id");
  if (!last.empty()) {
    last_id = ParseInt<std::uint64_t>(last);
    if (!last_id) return reply(http::BadRequest("Last-Event-ID must be a number"));
  }
  reply(Response::EventStream(ctx.hub.Subscribe(std::move(filter), last_id)));
}

}  // namespace

void AddPublicRoutes(http::Router& router, ApiContext& ctx) {
  auto bind = [&ctx](void (*fn)(ApiContext&, Request&, Reply)) {
    return [&ctx, fn](Request& req, Reply reply) { fn(ctx, req, std::move(reply)); };
  };
  router.Add(verb::get, "/api/v1/district", bind(District));
  router.Add(verb::get, "/api/v1/constituencies", bind(Constituencies));
  router.Add(verb::get, "/api/v1/stations", bind(Stations));
  // Shared by the routes' handlers, so it lives as long as the router does.
  auto answers = std::make_shared<const StationAnswers>(ctx.board, ctx.options.default_headers,
                                                        ctx.options.station_cache_max_age_s);
  using AnswersHandler = void (*)(ApiContext&, const StationAnswers&, Request&, Reply);
  auto bind_answers = [&ctx, answers](AnswersHandler fn) {
    return [&ctx, answers, fn](Request& req, Reply reply) {
      fn(ctx, *answers, req, std::move(reply));
    };
  };
  router.Add(verb::get, "/api/v1/stations/{id}", bind_answers(Station));
  router.Add(verb::get, "/api/v1/stations/{id}/timeline", bind(Timeline));
  router.Add(verb::get, "/api/v1/lookup", bind_answers(Lookup));
  router.Add(verb::get, "/api/v1/turnout",
             [&ctx](Request& req, Reply reply) { Turnout(ctx, req, std::move(reply), false); });
  router.Add(verb::get, "/api/v1/turnout.csv",
             [&ctx](Request& req, Reply reply) { Turnout(ctx, req, std::move(reply), true); });
  router.Add(verb::get, "/api/v1/events", bind(Events));
}

}  // namespace psm::api
