// Wiring in the order of app/serve.cpp: store, Board, elector index, writer (loaded, started),
// limits, pool, context, routes. Every thread shares the one MemoryStore through a
// BorrowedStore, so what the writer commits the pool reads, as with one SQLite file.
#include "api/testing/api_fixture.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "api/routes.hpp"
#include "api/testing/borrowed_store.hpp"
#include "auth/secret_hash.hpp"
#include "auth/token.hpp"

namespace psm::api::testing {
namespace {

using Json = nlohmann::json;
namespace bhttp = boost::beast::http;

constexpr const char* kTen = "2026-11-30T10:00:00+05:30";

// Set-up steps cannot fail in a correct fixture; a failure is a broken test, said loudly.
void Check(const Status& st, const char* what) {
  if (!st.ok()) throw std::runtime_error(std::string(what) + ": " + st.error().detail);
}

std::vector<Constituency> District() {
  return {{34, "Jalandhar West", "SC", "Jalandhar"}, {35, "Jalandhar Central", "", "Jalandhar"}};
}

std::vector<Station> Stations() {
  return {
      {{34, 1},
       "Govt School Basti Sheikh, Room 1",
       "Govt School",
       "Basti Sheikh",
       31.3291,
       75.5562,
       {500, 480, 0}},
      {{34, 2},
       "Govt School Basti Sheikh, Room 2",
       "Govt School",
       "Basti Sheikh",
       31.3295,
       75.5570,
       {450, 430, 1}},
      {{34, 3},
       "Community Hall Model Town",
       "Community Hall",
       "Model Town",
       31.3100,
       75.5900,
       {300, 310, 0}},
      {{35, 1},
       "DAV College, Room 4",
       "DAV College",
       "Civil Lines",
       31.3300,
       75.5800,
       {600, 590, 2}},
      {{35, 2}, "Khalsa School", "Khalsa School", "Adarsh Nagar", 31.3400, 75.5850, {200, 190, 0}},
  };
}

std::vector<Elector> Electors() {
  return {{"JLW0000001", {34, 1}},
          {"JLW0000002", {34, 1}},
          {"JLW0000003", {34, 2}},
          {"JLC0000001", {35, 1}}};
}

}  // namespace

ApiFixture::ApiFixture(ApiFixtureOptions options)
    : clock_(*ParseRfc3339(kTen)),
      real_clock_(*ParseRfc3339(kTen)),
      limits_clock_(*ParseRfc3339(kTen)),
      pin_throttle_(real_clock_),
      password_throttle_(real_clock_, auth::PasswordGuesses()),
      refusals_(metrics_) {
  day_.date = *ParseDate("2026-11-30");
  Check(store_.Migrate(), "migrate");
  Check(store_.UpsertConstituencies(District()), "constituencies");
  Check(store_.UpsertStations(Stations()), "stations");
  Check(store_.UpsertElectors(Electors()), "electors");
  board_ = std::make_unique<Board>(District(), Stations());
  for (const Elector& e : Electors()) {
    if (!electors_.Add(*ElectorIndex::Pack(e.epic), *board_->IndexOf(e.station)))
      throw std::runtime_error("elector index refused " + e.epic);
  }
  electors_.Finish();
  bus_.Subscribe([this](const BusEvent& e) { hub_.Publish(e.type, e.station, e.ac, *e.data); });

  // The writer's timers run on clock_, which stands still until a test moves it: a batch
  // smaller than the last one would wait for company until then, so none waits (the group
  // commit is the writer tests' subject, not the API's).
  WriterOptions writer_options;
  writer_options.flush_interval = std::chrono::milliseconds(0);
  writer_ = std::make_unique<Writer>(std::make_unique<BorrowedStore>(store_), *board_, bus_, clock_,
                                     day_, StatusOptions{}, writer_options, nullptr);
  Check(writer_->Load(), "writer load");
  writer_->Start();

  limits_ = std::make_unique<RequestLimits>(options.limits, refusals_, limits_clock_);
  pool_ = std::make_unique<BlockingPool>(
      [this]() -> Result<std::unique_ptr<Store>> {
        return std::unique_ptr<Store>(std::make_unique<BorrowedStore>(store_));
      },
      2);
  Check(pool_->Start(), "pool start");

  options.api.default_headers = {{"X-Content-Type-Options", "nosniff"},
                                 {"Referrer-Policy", "no-referrer"}};
  ctx_.reset(new ApiContext{*board_, electors_, *writer_, clock_, real_clock_, hub_, metrics_,
                            sessions_, pin_throttle_, password_throttle_, *limits_, *pool_,
                            std::move(options.api), std::move(options.openapi_yaml)});
  ctx_->ready = options.ready;
  AddRoutes(router_, *ctx_);
}

ApiFixture::~ApiFixture() {
  pool_->Stop();
  writer_->Stop();
}

TestResponse ApiFixture::Call(TestRequest request) {
  return Dispatch(router_, request, ctx_->options.default_headers);
}

TestResponse ApiFixture::Get(std::string target, const std::string& token) {
  TestRequest req{bhttp::verb::get, std::move(target), "", {}};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  return Call(std::move(req));
}

TestResponse ApiFixture::Post(std::string target, const Json& body, const std::string& token) {
  TestRequest req{
      bhttp::verb::post, std::move(target), body.dump(), {{"Content-Type", "application/json"}}};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  return Call(std::move(req));
}

TestResponse ApiFixture::Delete(std::string target, const std::string& token) {
  TestRequest req{bhttp::verb::delete_, std::move(target), "", {}};
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
  return Call(std::move(req));
}

std::string ApiFixture::OpenSession(auth::Principal p) {
  const std::string token = auth::NewToken();
  const Instant now = real_clock_.Now();
  p.expires_at = now + ctx_->options.session_ttl;
  const SessionRecord record{auth::TokenHash(token), p.role, p.station, p.user, now, p.expires_at};
  Check(store_.InsertSession(record), "session");
  sessions_.Put(record.token_hash, std::move(p));
  return token;
}

std::string ApiFixture::OfficerToken(const StationId& station) {
  auth::Principal p;
  p.role = Role::kOfficer;
  p.station = station;
  return OpenSession(std::move(p));
}

std::string ApiFixture::SectorToken(const std::string& user, std::vector<StationId> stations) {
  auth::Principal p;
  p.role = Role::kSector;
  p.user = user;
  p.stations = std::move(stations);
  return OpenSession(std::move(p));
}

std::string ApiFixture::AdminToken(const std::string& user) {
  auth::Principal p;
  p.role = Role::kAdmin;
  p.user = user;
  return OpenSession(std::move(p));
}

void ApiFixture::SetPin(const StationId& station, const std::string& pin) {
  auto hash = auth::HashSecret(pin, auth::HashCost::kPin);
  if (!hash.ok()) throw std::runtime_error("hash: " + hash.error().detail);
  Check(store_.SetStationPinHash(station, *hash), "pin");
}

void ApiFixture::AddUser(const std::string& name, Role role, const std::string& password,
                         std::vector<StationId> stations) {
  auto hash = auth::HashSecret(password, auth::HashCost::kPassword);
  if (!hash.ok()) throw std::runtime_error("hash: " + hash.error().detail);
  Check(store_.UpsertUser(User{name, role, *hash, std::move(stations), false, clock_.Now()}),
        "user");
}

std::string ApiFixture::NewId() {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++next_id_);
  return id;
}

Json ApiFixture::QueueReport(int men, int women, int others, std::string observed_at) {
  return Json{{"id", NewId()},
              {"kind", "queue"},
              {"observed_at", observed_at.empty() ? FormatRfc3339(clock_.Now()) : observed_at},
              {"queue", {{"men", men}, {"women", women}, {"others", others}}}};
}

Json ApiFixture::TurnoutReport(int men, int women, int others, std::string observed_at) {
  return Json{{"id", NewId()},
              {"kind", "turnout"},
              {"observed_at", observed_at.empty() ? FormatRfc3339(clock_.Now()) : observed_at},
              {"votes_polled", {{"men", men}, {"women", women}, {"others", others}}}};
}

Json ApiFixture::EventReport(const std::string& event, std::string observed_at) {
  return Json{{"id", NewId()},
              {"kind", "event"},
              {"observed_at", observed_at.empty() ? FormatRfc3339(clock_.Now()) : observed_at},
              {"event", event}};
}

std::string ApiFixture::LocalTime(int hh, int mm) const {
  return FormatRfc3339(day_.At(std::chrono::minutes(hh * 60 + mm)));
}

void ApiFixture::Tick(double seconds) {
  limits_clock_.Advance(Millis(std::llround(seconds * 1000)));
}

}  // namespace psm::api::testing
