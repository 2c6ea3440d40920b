// Login and logout. Hash checks and store writes run on the blocking pool, never on a loop.
#include <spdlog/spdlog.h>

#include "api/authenticate.hpp"
#include "api/control_access.hpp"
#include "api/handler_util.hpp"
#include "api/login_form.hpp"
#include "api/report_parse.hpp"
#include "api/routes.hpp"
#include "auth/secret_hash.hpp"
#include "auth/token.hpp"
#include "http/problem.hpp"

namespace psm::api {
namespace {

using Json = nlohmann::json;

// The answer that carries a new token: no cache (nor the browser's back button) may keep it.
Response TokenAnswer(const Json& session) {
  return Response::Json(201, session.dump())
      .With("Cache-Control", "no-store")
      .With("Pragma", "no-cache");
}

Response LockedResponse(ApiContext& ctx, const Error& e, Millis remaining) {
  ctx.limits.CountLockout();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(remaining).count() + 1;
  return http::ProblemFor(e, std::chrono::seconds(secs));
}

// Issues a token for `principal`, stores its hash and caches the session.
Result<Json> OpenSession(ApiContext& ctx, Store& store, auth::Principal principal) {
  const std::string token = auth::NewToken();
  const Instant now = ctx.real_clock.Now();
  principal.expires_at = now + ctx.options.session_ttl;
  SessionRecord record{
      auth::TokenHash(token), principal.role, principal.station, principal.user, now,
      principal.expires_at};
  if (Status st = store.InsertSession(record); !st.ok()) return st.error();
  ctx.sessions.Put(record.token_hash, principal);
  if (ctx.sessions_changed) ctx.sessions_changed();
  Json out{{"token", token},
           {"role", ToString(principal.role)},
           {"expires_at", FormatRfc3339(principal.expires_at)}};
  if (principal.station) out["station"] = principal.station->ToString();
  if (!principal.user.empty()) out["user"] = principal.user;
  return out;
}

void OfficerLogin(ApiContext& ctx, const Request& req, LoginForm form, Reply reply) {
  const std::string& client = req.client_ip;
  const auto station = StationId::Parse(form.name);
  if (!station || !ctx.board.IndexOf(*station)) {
    ctx.limits.LoginFailed(req.client_key);
    return reply(http::ProblemFor(Error::Unauthorized("bad_credentials", "wrong station or PIN")));
  }
  const std::string key = station->ToString();
  if (Status st = ctx.pin_throttle.Check(key, req.client_key); !st.ok())
    return reply(LockedResponse(ctx, st.error(), ctx.pin_throttle.Remaining(key, req.client_key)));
  std::string pin = std::move(form.secret);
  const bool posted = ctx.pool.Post([&ctx, key, station = *station, pin = std::move(pin), client,
                                     client_key = req.client_key, reply](Store& store) mutable {
    AuditEntry audit{0, ctx.real_clock.Now(), "officer:" + key, "officer", client, "login", key,
                     ""};
    auto hash = store.StationPinHash(station);
    if (!hash.ok()) {
      spdlog::error("PIN lookup failed for {}: {}", key, hash.error().detail);
      return reply(http::ProblemFor(hash.error()));
    }
    // A PIN that is not 6 to 10 digits cannot be right: no Argon2 hash is spent on it. A station
    // without a PIN is checked against a dummy hash, so it answers as slowly as a wrong PIN.
    const bool well_formed = auth::IsWellFormedPin(pin);
    const bool verified =
        well_formed &&
        auth::VerifySecret(hash.value() ? **hash : auth::DummyHash(auth::HashCost::kPin), pin);
    if (!hash.value() || !verified) {
      ctx.pin_throttle.RecordFailure(key, client_key);
      ctx.limits.LoginFailed(client_key);
      // Wrong PINs from several addresses: the control room hears of it (pin_guessing).
      if (!ctx.writer.NotePinFailure(station, ctx.pin_throttle.FailingAddresses(key)))
        spdlog::warn("wrong PIN for {} not noted for alerts: the writer is stopping", key);
      audit.action = "login_failed";
      audit.detail =
          !hash.value() ? "no PIN issued" : (well_formed ? "wrong PIN" : "malformed PIN");
      Audit(store, audit);
      return reply(
          http::ProblemFor(Error::Unauthorized("bad_credentials", "wrong station or PIN")));
    }
    ctx.pin_throttle.RecordSuccess(key, client_key);
    auth::Principal p;
    p.role = Role::kOfficer;
    p.station = station;
    auto session = OpenSession(ctx, store, std::move(p));
    if (!session.ok()) return reply(http::ProblemFor(session.error()));
    Audit(store, audit);
    reply(TokenAnswer(*session));
  });
  if (!posted) reply(http::Unavailable("the server is busy; try again"));
}

void UserLogin(ApiContext& ctx, const Request& req, LoginForm form, Reply reply) {
  const std::string& client = req.client_ip;
  std::string user = std::move(form.name);
  if (Status st = ctx.password_throttle.Check(user, req.client_key); !st.ok()) {
    return reply(
        LockedResponse(ctx, st.error(), ctx.password_throttle.Remaining(user, req.client_key)));
  }
  std::string password = std::move(form.secret);
  const bool posted = ctx.pool.Post([&ctx, user, password = std::move(password), client,
                                     client_key = req.client_key, reply](Store& store) mutable {
    AuditEntry audit{0, ctx.real_clock.Now(), "user:" + user, "", client, "login", "", ""};
    auto found = store.FindUser(user);
    if (!found.ok()) return reply(http::ProblemFor(found.error()));
    const auto& u = found.value();
    // An unknown or disabled user is checked against a dummy hash: it answers as slowly as a
    // wrong password, so the time does not tell which user names exist.
    const bool usable = u && !u->disabled;
    const bool verified = auth::VerifySecret(
        usable ? u->password_hash : auth::DummyHash(auth::HashCost::kPassword), password);
    if (!usable || !verified) {
      ctx.password_throttle.RecordFailure(user, client_key);
      ctx.limits.LoginFailed(client_key);
      audit.action = "login_failed";
      audit.detail = !u ? "unknown user" : (u->disabled ? "disabled user" : "wrong password");
      Audit(store, audit);
      return reply(
          http::ProblemFor(Error::Unauthorized("bad_credentials", "wrong user name or password")));
    }
    ctx.password_throttle.RecordSuccess(user, client_key);
    if (Status st = RequireAdminNetwork(ctx, u->role, client); !st.ok()) {
      audit.action = "login_refused";
      audit.role = std::string(ToString(u->role));
      audit.detail = "outside PSM_ADMIN_CIDRS";
      Audit(store, audit);
      return reply(http::ProblemFor(st.error()));
    }
    auth::Principal p;
    p.role = u->role;
    p.user = u->name;
    p.stations = u->stations;
    audit.role = std::string(ToString(u->role));
    auto session = OpenSession(ctx, store, std::move(p));
    if (!session.ok()) return reply(http::ProblemFor(session.error()));
    Audit(store, audit);
    reply(TokenAnswer(*session));
  });
  if (!posted) reply(http::Unavailable("the server is busy; try again"));
}

void Login(ApiContext& ctx, Request& req, Reply reply) {
  // Sessions start on the writer, like every write: the officer's first report goes there next
  // and finds the session at once; the other nodes follow it through the feed (or a Redis
  // notification) within moments. nginx retries the 503 on the next node.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  if (auto refused = RefuseUnlessJson(req)) return reply(std::move(*refused));
  auto body = ParseJsonBody(req.body);
  if (!body.ok()) return reply(http::BadRequest(body.error().detail));
  if (!body->is_object()) return reply(http::BadRequest("the body must be a JSON object"));
  // The address's budget of failed logins is checked before any hash is computed.
  if (auto refused = ctx.limits.Login(req.client_key)) return reply(std::move(*refused));
  auto form = ParseLoginForm(*body);
  if (!form.ok()) return reply(http::ProblemFor(form.error()));
  if (form->kind == LoginForm::Kind::kOfficer)
    return OfficerLogin(ctx, req, std::move(form).value(), std::move(reply));
  UserLogin(ctx, req, std::move(form).value(), std::move(reply));
}

void Logout(ApiContext& ctx, Request& req, Reply reply) {
  // On the writer, which knows every session started there, however new.
  if (auto refused = RefuseUnlessWriter(ctx)) return reply(std::move(*refused));
  auto principal = Authenticate(ctx, req);
  if (!principal.ok()) return reply(http::ProblemFor(principal.error()));
  const std::string hash =
      auth::TokenHash(req.Header("Authorization").substr(std::string_view("Bearer ").size()));
  ctx.sessions.Erase(hash);
  const std::string actor = auth::Actor(*principal);
  const std::string role(ToString(principal->role));
  const bool posted = ctx.pool.Post([&ctx, hash, actor, role, client = req.client_ip,
                                     station = principal->station](Store& store) {
    if (Status st = store.DeleteSession(hash); !st.ok()) {
      spdlog::error("session delete failed: {}", st.error().detail);
    } else if (ctx.sessions_changed) {
      ctx.sessions_changed();
    }
    Audit(store, AuditEntry{0, ctx.real_clock.Now(), actor, role, client, "logout",
                            station ? station->ToString() : "", ""});
  });
  if (!posted) spdlog::warn("logout of {} not persisted: pool busy", actor);
  reply(Response{204, "", std::make_shared<const std::string>(), {}, nullptr, false});
}

}  // namespace

void AddSessionRoutes(http::Router& router, ApiContext& ctx) {
  router.Add(verb::post, "/api/v1/sessions",
             [&ctx](Request& req, Reply reply) { Login(ctx, req, std::move(reply)); });
  router.Add(verb::delete_, "/api/v1/sessions/current",
             [&ctx](Request& req, Reply reply) { Logout(ctx, req, std::move(reply)); });
}

}  // namespace psm::api
