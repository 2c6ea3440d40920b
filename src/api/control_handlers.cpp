// Control-room actions: alerts (list, acknowledge), PIN resets and turnout unlocks. Reads come
// from the writer's alert snapshot; changes go through the writer thread or the blocking pool.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/authenticate.hpp"
#include "api/control_access.hpp"
#include "api/handler_util.hpp"
#include "api/report_parse.hpp"
#include "api/routes.hpp"
#include "auth/secret_hash.hpp"
#include "auth/token.hpp"
#include "http/problem.hpp"
#include "writer/control_json.hpp"

namespace psm::api {
namespace {

constexpr std::size_t kDefaultAlertLimit = 1000;
constexpr std::size_t kMaxAlertLimit = 20000;

std::optional<std::int64_t> ParseId(std::string_view s) {
  const auto v = ParseInt<std::int64_t>(s);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

// The station named in the path, which must exist; replies 404 otherwise.
std::optional<StationId> PathStation(ApiContext& ctx, Request& req, Reply& reply) {
  const auto id = StationId::Parse(req.Param("id"));
  if (!id || !ctx.board.IndexOf(*id)) {
    reply(http::ProblemFor(UnknownStation(req.Param("id"))));
    return std::nullopt;
  }
  return id;
}

void ListAlerts(ApiContext& ctx, Request& req, Reply reply) {
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin, Role::kSector});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  std::optional<AlertState> state;
  bool active_only = false;
  if (auto v = req.Query("state")) {
    active_only = *v == "active";
    state = ParseAlertState(*v);
    if (!state && !active_only)
      return reply(http::ProblemFor(
          Invalid("bad_state", "state must be open, acknowledged, resolved or active")));
  }
  std::optional<AlertKind> kind;
  if (auto v = req.Query("kind")) {
    kind = ParseAlertKind(*v);
    if (!kind)
      return reply(
          http::ProblemFor(Invalid("bad_kind",
                                   "kind must be no_report, not_started, long_wait, interrupted, "
                                   "turnout_stalled, rejected_report, pin_guessing or "
                                   "store_unwritable")));
  }
  int ac = 0;
  if (auto v = req.Query("ac")) {
    // Parsed as an int, never narrowed: 4294967330 must not become AC 34.
    const auto parsed = ParseDigits<int>(*v);
    if (!parsed || !ctx.board.FindConstituency(*parsed))
      return reply(http::ProblemFor(Invalid("bad_ac", "no constituency " + std::string(*v))));
    ac = *parsed;
  }
  std::optional<StationId> station;
  if (auto v = req.Query("station")) {
    station = StationId::Parse(*v);
    if (!station || !ctx.board.IndexOf(*station))
      return reply(http::ProblemFor(UnknownStation(*v)));
    if (Status st = auth::MayView(*who, *station); !st.ok())
      return reply(http::ProblemFor(st.error()));
  }
  std::size_t limit = kDefaultAlertLimit;
  if (auto v = req.Query("limit")) {
    const auto parsed = ParseId(*v);
    if (!parsed) return reply(http::ProblemFor(Invalid("bad_limit", "limit must be positive")));
    limit = std::min<std::size_t>(static_cast<std::size_t>(*parsed), kMaxAlertLimit);
  }

  const auto alerts = ctx.writer.Alerts();
  Json items = Json::array();
  std::size_t total = 0;
  // Newest first: the control room reads from the top.
  for (auto it = alerts->rbegin(); it != alerts->rend(); ++it) {
    const Alert& a = *it;
    if (state && a.state != *state) continue;
    if (active_only && !a.Active()) continue;
    if (kind && a.kind != *kind) continue;
    if (ac && a.station.ac != ac) continue;
    if (station && a.station != *station) continue;
    // A district-wide alert (the store refusing writes) concerns every sector.
    if (a.station != kDistrictWide && !InScope(*who, a.station)) continue;
    if (++total <= limit) items.push_back(AlertJson(a));
  }
  Json out{{"total", total}, {"alerts", std::move(items)}};
  reply(Response::Json(200, out.dump()).With("Cache-Control", "no-store"));
}

void AcknowledgeAlert(ApiContext& ctx, Request& req, Reply reply) {
  // Before authenticating: a reader may not know a session the writer does, and nginx retries
  // a 503 on another node but not a 401.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin, Role::kSector});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  const auto id = ParseId(req.Param("id"));
  const auto alerts = ctx.writer.Alerts();
  const auto found =
      id ? std::find_if(alerts->begin(), alerts->end(), [&](const Alert& a) { return a.id == *id; })
         : alerts->end();
  if (found == alerts->end())
    return reply(http::ProblemFor(
        Error::NotFound("unknown_alert", "no alert " + std::string(req.Param("id")))));
  if (Status st = auth::MayView(*who, found->station); !st.ok())
    return reply(http::ProblemFor(st.error()));
  const bool queued =
      ctx.writer.AcknowledgeAlert(*id, OriginOf(*who, req), [reply](Result<Alert> out) {
        if (!out.ok()) return reply(http::ProblemFor(out.error()));
        reply(Response::Json(200, Json{{"alert", AlertJson(*out)}}.dump()));
      });
  if (!queued) reply(http::Unavailable("the server is shutting down; try again"));
}

void ResetPin(ApiContext& ctx, Request& req, Reply reply) {
  // On the writer, like every command: officers log in there, so its lock is the one to clear.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  const auto station = PathStation(ctx, req, reply);
  if (!station) return;
  const RequestOrigin origin = OriginOf(*who, req);
  const bool posted = ctx.pool.Post([&ctx, station = *station, origin, reply](Store& store) {
    const std::string pin = auth::NewPin(ctx.options.pin_digits);
    auto hash = auth::HashSecret(pin, auth::HashCost::kPin);
    if (!hash.ok()) return reply(http::ProblemFor(hash.error()));
    if (Status st = store.SetStationPinHash(station, *hash); !st.ok())
      return reply(http::ProblemFor(st.error()));
    // Wrong guesses at the old PIN say nothing about the new one: the station's lock ends now.
    ctx.pin_throttle.Forget(station.ToString());
    // And any pin_guessing alert: the guesses were at a PIN that no longer exists.
    if (!ctx.writer.NotePinReset(station))
      spdlog::warn("pin_guessing alert of {} not resolved: the writer is stopping",
                   station.ToString());
    // The old PIN's sessions end now: whoever held them must log in with the new PIN.
    if (Status st = store.DeleteStationSessions(station); !st.ok()) {
      spdlog::error("revoking sessions of {} failed: {}", station.ToString(), st.error().detail);
    } else if (ctx.sessions_changed) {
      ctx.sessions_changed();
    }
    const std::size_t revoked = ctx.sessions.EraseIf(
        [&](const auth::Principal& p) { return p.role == Role::kOfficer && p.station == station; });
    Audit(store,
          AuditEntry{0, ctx.real_clock.Now(), origin.actor, origin.role, origin.client, "pin_reset",
                     station.ToString(), Json{{"sessions_revoked", revoked}}.dump()});
    Json out{{"station", station.ToString()}, {"pin", pin}, {"sessions_revoked", revoked}};
    reply(Response::Json(200, out.dump())
              .With("Cache-Control", "no-store")
              .With("Pragma", "no-cache"));
  });
  if (!posted) reply(http::Unavailable("the server is busy; try again"));
}

void UnlockTurnout(ApiContext& ctx, Request& req, Reply reply) {
  // Before authenticating: a reader may not know a session the writer does, and nginx retries
  // a 503 on another node but not a 401.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto who = AuthorizeControl(ctx, req, {Role::kAdmin});
  if (!who.ok()) return reply(http::ProblemFor(who.error()));
  const auto station = PathStation(ctx, req, reply);
  if (!station) return;
  if (auto refused = RefuseUnlessJson(req)) return reply(std::move(*refused));
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return reply(http::BadRequest(body.error().detail));
  const auto reason = body->is_object() ? body->find("reason") : body->end();
  if (!body->is_object() || reason == body->end() || !reason->is_string() ||
      Trim(reason->get<std::string>()).empty())
    return reply(http::ProblemFor(Invalid(
        "reason_required", "send {\"reason\":\"…\"}: why the station's turnout must go down")));
  if (reason->get<std::string>().size() > 500)
    return reply(http::ProblemFor(Invalid("bad_field", "\"reason\" is too long")));
  const bool queued = ctx.writer.UnlockTurnout(
      *station, reason->get<std::string>(), OriginOf(*who, req),
      [reply](Result<TurnoutUnlock> out) {
        if (!out.ok()) return reply(http::ProblemFor(out.error()));
        reply(Response::Json(201, Json{{"unlock", UnlockJson(*out)}}.dump()));
      });
  if (!queued) reply(http::Unavailable("the server is shutting down; try again"));
}

}  // namespace

void AddControlRoutes(http::Router& router, ApiContext& ctx) {
  auto bind = [&ctx](void (*fn)(ApiContext&, Request&, Reply)) {
    return [&ctx, fn](Request& req, Reply reply) { fn(ctx, req, std::move(reply)); };
  };
  router.Add(verb::get, "/api/v1/alerts", bind(ListAlerts));
  router.Add(verb::post, "/api/v1/alerts/{id}/ack", bind(AcknowledgeAlert));
  router.Add(verb::post, "/api/v1/stations/{id}/pin", bind(ResetPin));
  router.Add(verb::post, "/api/v1/stations/{id}/turnout-unlock", bind(UnlockTurnout));
}

}  // namespace psm::api
