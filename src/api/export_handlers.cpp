// Admin exports: the audit log (JSON or CSV) and every report as CSV. Store reads run on the
// blocking pool; the event loop only parses the query and hands the answer back.
#include <sstream>

#include "api/control_access.hpp"
#include "api/handler_util.hpp"
#include "api/routes.hpp"
#include "http/problem.hpp"
#include "writer/station_json.hpp"

namespace psm::api {
namespace {

constexpr std::size_t kDefaultAuditLimit = 1000;
constexpr std::size_t kMaxAuditLimit = 1000000;

// A text cell of these exports: they are opened in spreadsheets, so officer-typed text that
// looks like a formula is defused (CsvGuard::kFormula).
std::string Cell(std::string_view s) {
  return CsvField(s, CsvGuard::kFormula);
}

Result<std::optional<Instant>> SinceParam(const Request& req) {
  const auto v = req.Query("since");
  if (!v) return std::optional<Instant>();
  const auto t = ParseRfc3339(*v);
  if (!t) return Invalid("bad_since", "since must be an RFC 3339 time, e.g. 2026-11-30T09:00:00Z");
  return std::optional<Instant>(*t);
}

Response Csv(std::string body, const char* filename) {
  auto r = Response::Text(200, std::move(body), "text/csv; charset=utf-8");
  r.With("Content-Disposition", std::string("attachment; filename=\"") + filename + "\"")
      .With("Cache-Control", "no-store");
  return r;
}

void AuditLog(ApiContext& ctx, Request& req, Reply reply, bool csv) {
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  AuditFilter filter;
  if (auto v = req.Query("actor")) filter.actor = std::string(*v);
  if (auto v = req.Query("station")) {
    // A station that cannot exist is a mistake to say so, not an empty log.
    const auto station = StationId::Parse(*v);
    if (!station)
      return reply(http::ProblemFor(
          Invalid("bad_station", "station must be a station id AC-part, e.g. 34-112")));
    filter.station = station->ToString();
  }
  auto since = SinceParam(req);
  if (!since.ok()) return reply(http::ProblemFor(since.error()));
  filter.since = *since;
  filter.limit = kDefaultAuditLimit;
  if (auto v = req.Query("limit")) {
    const auto n = ParseInt<std::size_t>(*v);
    if (!n || *n == 0)
      return reply(http::ProblemFor(Invalid("bad_limit", "limit must be a positive number")));
    filter.limit = std::min(*n, kMaxAuditLimit);
  }
  if (auto v = req.Query("format")) {
    if (*v != "csv" && *v != "json")
      return reply(http::ProblemFor(Invalid("bad_format", "format must be json or csv")));
    csv = csv || *v == "csv";
  }
  const bool posted = ctx.pool.Post([filter, csv, reply](Store& store) {
    auto entries = store.QueryAudit(filter);
    if (!entries.ok()) return reply(http::ProblemFor(entries.error()));
    if (csv) {
      std::ostringstream out;
      out << "seq,at,actor,role,client,action,station,detail\n";
      for (const AuditEntry& e : *entries) {
        out << e.seq << ',' << FormatRfc3339(e.at) << ',' << Cell(e.actor) << ',' << Cell(e.role)
            << ',' << Cell(e.client) << ',' << Cell(e.action) << ',' << Cell(e.station) << ','
            << Cell(e.detail) << '\n';
      }
      return reply(Csv(out.str(), "audit.csv"));
    }
    Json items = Json::array();
    for (const AuditEntry& e : *entries) {
      items.push_back(Json{{"seq", e.seq},
                           {"at", FormatRfc3339(e.at)},
                           {"actor", e.actor},
                           {"role", e.role},
                           {"client", e.client},
                           {"action", e.action},
                           {"station", e.station.empty() ? Json(nullptr) : Json(e.station)},
                           {"detail", e.detail}});
    }
    reply(Response::Json(200, Json{{"entries", std::move(items)}}.dump())
              .With("Cache-Control", "no-store"));
  });
  if (!posted) reply(http::Unavailable("the server is busy; try again"));
}

void ReportsCsv(ApiContext& ctx, Request& req, Reply reply) {
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  auto since = SinceParam(req);
  if (!since.ok()) return reply(http::ProblemFor(since.error()));
  const bool posted = ctx.pool.Post([since = *since, reply](Store& store) {
    std::ostringstream out;
    out << "id,station,ac,part,kind,observed_at,received_at,men,women,others,total,event,reason,"
           "voters_in_queue_at_close,actor\n";
    Status st = store.ForEachReport([&](const Report& r) {
      if (since && r.received_at < *since) return true;
      const bool counts = r.kind != ReportKind::kEvent;
      const bool event = r.kind == ReportKind::kEvent;
      out << r.id << ',' << r.station.ToString() << ',' << r.station.ac << ',' << r.station.part
          << ',' << ToString(r.kind) << ',' << FormatRfc3339(r.observed_at) << ','
          << FormatRfc3339(r.received_at) << ',';
      if (counts) {
        out << r.counts.men << ',' << r.counts.women << ',' << r.counts.others << ','
            << r.counts.Total() << ",,";
      } else {
        out << ",,,," << ToString(r.event) << ',';
      }
      out << Cell(r.reason) << ','
          << (event && r.event == EventKind::kPollClosed
                  ? std::to_string(r.voters_in_queue_at_close)
                  : "")
          << ',' << Cell(r.actor) << '\n';
      return true;
    });
    if (!st.ok()) return reply(http::ProblemFor(st.error()));
    reply(Csv(out.str(), "reports.csv"));
  });
  if (!posted) reply(http::Unavailable("the server is busy; try again"));
}

}  // namespace

void AddExportRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(verb::get, "/api/v1/audit",
             [&ctx](Request& req, Reply reply) { AuditLog(ctx, req, std::move(reply), false); });
  router.Add(verb::get, "/api/v1/audit.csv",
             [&ctx](Request& req, Reply reply) { AuditLog(ctx, req, std::move(reply), true); });
  router.Add(verb::get, "/api/v1/reports.csv",
             [&ctx](Request& req, Reply reply) { ReportsCsv(ctx, req, std::move(reply)); });
}

}  // namespace psm::api
