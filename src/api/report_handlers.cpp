// Officer reports: parse, authorise, hand to the Writer, answer once the batch is durable.
#include <atomic>

#include "api/authenticate.hpp"
#include "api/control_access.hpp"
#include "api/handler_util.hpp"
#include "api/report_parse.hpp"
#include "api/routes.hpp"
#include "http/problem.hpp"
#include "writer/station_json.hpp"

namespace psm::api {
namespace {

constexpr std::size_t kMaxBatch = 1000;

unsigned StatusOf(const SubmitOutcome& out) {
  switch (out.kind) {
    case SubmitOutcome::Kind::kCreated:
      return 201;
    case SubmitOutcome::Kind::kRepeated:
      return 200;
    case SubmitOutcome::Kind::kRejected:
      return http::StatusFor(out.error.code);
  }
  return 500;
}

Json OutcomeJson(const SubmitOutcome& out) {
  Json j{{"status", StatusOf(out)}};
  if (out.kind == SubmitOutcome::Kind::kRejected) {
    j["result"] = "rejected";
    const http::ProblemFields p = http::ProblemFieldsFor(out.error);
    j["problem"] =
        Json{{"type", p.type}, {"title", p.title}, {"status", p.status}, {"detail", p.detail}};
  } else {
    j["result"] = out.kind == SubmitOutcome::Kind::kCreated ? "created" : "repeated";
    j["report"] = ReportJson(out.stored);
  }
  return j;
}

// OutcomeJson(out).dump() for a stored report, without building a JSON tree: this runs on the
// writer thread once per accepted report.
std::string StoredOutcomeText(const SubmitOutcome& out) {
  std::string text = "{\"status\":" + std::to_string(StatusOf(out)) + ",\"result\":";
  text += out.kind == SubmitOutcome::Kind::kCreated ? "\"created\"" : "\"repeated\"";
  text += ",\"report\":";
  text += ReportJsonText(out.stored);
  text += '}';
  return text;
}

// Who sent a report, for the audit entry the writer commits with it.
RequestOrigin Origin(const auth::Principal& who, const Request& req) {
  return RequestOrigin{auth::Actor(who), std::string(ToString(who.role)), req.client_ip};
}

// Fills the server-side fields and checks the caller may report for the station.
Status Prepare(ApiContext& ctx, const auth::Principal& who, Report& r) {
  if (Status st = auth::MaySubmitFor(who, r.station); !st.ok()) return st;
  if (!ctx.board.IndexOf(r.station)) return UnknownStation(r.station.ToString());
  r.received_at = ctx.clock.Now();
  r.actor = auth::Actor(who);
  return Status();
}

void PostReport(ApiContext& ctx, Request& req, Reply reply) {
  // Before authenticating: a reader may not know a session the writer does, and nginx retries
  // a 503 on another node but not a 401.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto who = Authenticate(ctx, req);
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  if (Status st = RequireAdminNetwork(ctx, who->role, req.client_ip); !st.ok())
    return reply(http::ProblemFor(st.error()));
  const auto station = StationId::Parse(req.Param("id"));
  if (!station || !ctx.board.IndexOf(*station))
    return reply(http::ProblemFor(UnknownStation(req.Param("id"))));
  if (Status st = auth::MaySubmitFor(*who, *station); !st.ok())
    return reply(http::ProblemFor(st.error()));
  if (auto refused = RefuseUnlessJson(req)) return reply(std::move(*refused));
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return reply(http::BadRequest(body.error().detail));
  auto report = ParseReport(*body, *station);
  if (!report.ok()) return reply(http::ProblemFor(report.error()));
  if (Status st = Prepare(ctx, *who, *report); !st.ok()) return reply(http::ProblemFor(st.error()));
  auto done = [reply](SubmitOutcome out) {
    if (out.kind == SubmitOutcome::Kind::kRejected) {
      const auto retry = out.error.code == ErrorCode::kUnavailable ? std::chrono::seconds(1)
                                                                   : std::chrono::seconds(0);
      return reply(http::ProblemFor(out.error, retry));
    }
    reply(Response::Json(StatusOf(out), StoredOutcomeText(out)));
  };
  if (!ctx.writer.Submit(std::move(report).value(), Origin(*who, req), done))
    reply(http::Unavailable("the server is not accepting reports right now; retry"));
}

void PostBatch(ApiContext& ctx, Request& req, Reply reply) {
  // Before authenticating: a reader may not know a session the writer does, and nginx retries
  // a 503 on another node but not a 401.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto who = Authenticate(ctx, req);
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  if (Status st = RequireAdminNetwork(ctx, who->role, req.client_ip); !st.ok())
    return reply(http::ProblemFor(st.error()));
  if (auto refused = RefuseUnlessJson(req)) return reply(std::move(*refused));
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return reply(http::BadRequest(body.error().detail));
  const auto reports = BatchReports(*body, kMaxBatch);
  if (!reports.ok()) return reply(http::ProblemFor(reports.error()));
  const auto& items = **reports;

  // Results are filled in by index; the last completion sends the answer.
  struct State {
    std::vector<Json> results;
    std::atomic<std::size_t> remaining;
    Reply reply;
  };
  auto state = std::make_shared<State>();
  state->results.resize(items.size());
  state->remaining = items.size();
  state->reply = std::move(reply);
  auto finish_one = [state](std::size_t i, Json result) {
    state->results[i] = std::move(result);
    if (state->remaining.fetch_sub(1) == 1) {
      Json out{{"results", std::move(state->results)}};
      state->reply(Response::Json(200, out.dump()));
    }
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto report = ParseReport(items[i], std::nullopt);
    Status st = report.ok() ? Prepare(ctx, *who, *report) : Status(report.error());
    if (!st.ok()) {
      Json j = OutcomeJson(SubmitOutcome{SubmitOutcome::Kind::kRejected, {}, st.error()});
      // `items` is const, where operator[] on a missing key is undefined (an assert in debug
      // builds): a refused entry may have no id. find() is end() for a non-object too.
      if (const auto id = items[i].find("id"); id != items[i].end() && id->is_string())
        j["id"] = *id;
      finish_one(i, std::move(j));
      continue;
    }
    const std::string id = report->id;
    const bool queued = ctx.writer.Submit(std::move(report).value(), Origin(*who, req),
                                          [finish_one, i, id](SubmitOutcome out) {
                                            Json j = OutcomeJson(out);
                                            j["id"] = id;
                                            finish_one(i, std::move(j));
                                          });
    if (!queued) {
      Json j = OutcomeJson(
          SubmitOutcome{SubmitOutcome::Kind::kRejected,
                        {},
                        Error::Unavailable("busy", "not accepting reports right now; retry")});
      j["id"] = id;
      finish_one(i, std::move(j));
    }
  }
}

}  // namespace

void AddOfficerRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(verb::post, "/api/v1/stations/{id}/reports",
             [&ctx](Request& req, Reply reply) { PostReport(ctx, req, std::move(reply)); });
  router.Add(
      verb::post, "/api/v1/reports/batch",
      [&ctx](Request& req, Reply reply) { PostBatch(ctx, req, std::move(reply)); },
      http::RouteOptions{ctx.options.batch_body_limit});
}

}  // namespace psm::api
