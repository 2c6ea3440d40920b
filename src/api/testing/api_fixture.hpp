// Test support: `psm serve`'s API wired as app/serve.cpp wires it, over an in-memory store, a
// small district and fake clocks, with every route answering through Dispatch (no sockets).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/testing/dispatch.hpp"
#include "bus/bus.hpp"
#include "core/testing/fake_clock.hpp"
#include "http/limit_refusals.hpp"
#include "store/memory/memory_store.hpp"

namespace psm::api::testing {

using psm::testing::FakeClock;

struct ApiFixtureOptions {
  // The request budgets; the defaults are `psm serve`'s. Their time is ApiFixture::Tick()'s.
  auth::RateLimits limits;
  ApiOptions api;  // session TTL, admin networks, batch body limit (default headers are set)
  std::string openapi_yaml = "openapi: 3.0.3\ninfo: {title: psm}\n";
  // Whether /readyz says ready, as `psm serve` does once it listens.
  bool ready = true;
};

// The district every API test sees, on polling day 2026-11-30 (IST), the clock at 10:00:
//   AC 34 "Jalandhar West":    34-1 (Basti Sheikh, 500 men, 480 women), 34-2, 34-3
//   AC 35 "Jalandhar Central": 35-1, 35-2
// Electors: JLW0000001 and JLW0000002 vote at 34-1, JLW0000003 at 34-2, JLC0000001 at 35-1.
// Nothing is reported and no PIN or user exists until a test adds them.
//
// The writer and the blocking pool run their own threads, as in production; Call() waits for
// the reply they send. Not thread-safe: one test thread drives it.
class ApiFixture {
 public:
  explicit ApiFixture(ApiFixtureOptions options = {});
  ~ApiFixture();  // stops the pool and the writer, answering what they still hold
  ApiFixture(const ApiFixture&) = delete;
  ApiFixture& operator=(const ApiFixture&) = delete;

  TestResponse Call(TestRequest request);
  TestResponse Get(std::string target, const std::string& token = "");
  // POSTs `body` as application/json with the bearer `token` (none when empty).
  TestResponse Post(std::string target, const nlohmann::json& body, const std::string& token = "");
  TestResponse Delete(std::string target, const std::string& token = "");

  // A live session as a login would open it (cache and store), without spending a hash: the
  // bearer token to send. Officers for `station`; sectors over `stations`; admins everywhere.
  std::string OfficerToken(const StationId& station);
  std::string SectorToken(const std::string& user, std::vector<StationId> stations);
  std::string AdminToken(const std::string& user = "admin");

  // Issues `pin` to `station` (its Argon2 hash, as `psm admin issue-pins` stores it).
  void SetPin(const StationId& station, const std::string& pin);
  // Adds a control-room user who logs in with `password`.
  void AddUser(const std::string& name, Role role, const std::string& password,
               std::vector<StationId> stations = {});

  // A new report id (a UUID), different on every call.
  std::string NewId();
  // Report bodies as an officer's phone sends them, observed now unless `observed_at` is set.
  nlohmann::json QueueReport(int men, int women, int others = 0, std::string observed_at = "");
  nlohmann::json TurnoutReport(int men, int women, int others = 0, std::string observed_at = "");
  nlohmann::json EventReport(const std::string& event, std::string observed_at = "");
  // The polling day's local time hh:mm as RFC 3339.
  std::string LocalTime(int hh, int mm) const;

  // Moves the request budgets' time on (token buckets refill).
  void Tick(double seconds);

  ApiContext& ctx() { return *ctx_; }
  MemoryStore& store() { return store_; }
  FakeClock& clock() { return clock_; }            // the polling day's
  FakeClock& real_clock() { return real_clock_; }  // sessions and lockouts
  http::Metrics& metrics() { return metrics_; }
  const PollingDay& day() const { return day_; }

 private:
  std::string OpenSession(auth::Principal p);

  PollingDay day_;
  FakeClock clock_;
  FakeClock real_clock_;
  FakeClock limits_clock_;  // the request budgets' (Tick)
  MemoryStore store_;
  std::unique_ptr<Board> board_;
  ElectorIndex electors_;
  http::Metrics metrics_;
  http::SseHub hub_;
  LocalBus bus_;
  std::unique_ptr<Writer> writer_;
  auth::SessionCache sessions_;
  auth::GuessThrottle pin_throttle_;
  auth::GuessThrottle password_throttle_;
  http::LimitRefusals refusals_;
  std::unique_ptr<RequestLimits> limits_;
  std::unique_ptr<BlockingPool> pool_;
  std::unique_ptr<ApiContext> ctx_;
  http::Router router_;
  int next_id_ = 0;
};

}  // namespace psm::api::testing
