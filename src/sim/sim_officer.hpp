// The simulator's officers: a worker thread that logs in for its stations, sends their planned
// reports when the server's clock reaches them, and samples the published wait for accuracy.
// Each station is a phone of its own: its own keep-alive connection from its own address.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "sim/sim_clock.hpp"
#include "sim/sim_http_client.hpp"
#include "sim/sim_model.hpp"
#include "sim/sim_plan.hpp"
#include "sim/sim_stats.hpp"

namespace psm::sim {

// One station: what the server said about it, and its modelled day and plan.
struct SimStation {
  std::string id;
  int ac = 0;
  GenderCounts electors;
  std::string pin;
  std::string source;  // the address its officer's phone connects from; empty: the kernel's choice
  StationDay day;
  std::vector<PlannedReport> plan;
  bool sampled = false;  // its published wait is compared with the true wait
  int check_offset = 0;  // minutes into each 15-minute period the comparison is made
};

// Counters shared by all threads (atomics and internally locked stats).
struct SimCounters {
  std::atomic<std::uint64_t> sent{0};          // reports sent (first sends)
  std::atomic<std::uint64_t> created{0};       // 201
  std::atomic<std::uint64_t> repeated{0};      // 200 on a first send (after a lost answer)
  std::atomic<std::uint64_t> rejected{0};      // 4xx other than 401/429
  std::atomic<std::uint64_t> late{0};          // late reports sent
  std::atomic<std::uint64_t> dropped{0};       // planned drops (never sent) due by the end
  std::atomic<std::uint64_t> dup_sent{0};      // second sends of duplicated reports
  std::atomic<std::uint64_t> dup_repeated{0};  // … answered 200 "repeated"
  std::atomic<std::uint64_t> dup_other{0};     // … answered anything else
  std::atomic<std::uint64_t> throttled{0};     // 429/503 answers to reports (retried)
  std::atomic<std::uint64_t> errors{0};        // transport failures and 5xx after retries
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> login_failures{0};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> lookups_ok{0};
  std::atomic<std::uint64_t> lookups_throttled{0};
  std::atomic<std::uint64_t> lookups_not_found{0};
  std::atomic<std::uint64_t> lookups_failed{0};  // other statuses and transport errors
  std::atomic<std::uint64_t> checks{0};          // station reads for accuracy
  std::atomic<std::uint64_t> checks_stale{0};    // … that published a wait marked stale
  std::atomic<std::uint64_t> silent{0};          // silent spells begun (see sim_silence.hpp)
  LatencyHistogram report_latency;
  LatencyHistogram read_latency;
  AccuracyStats accuracy;        // every station-time with a published wait
  AccuracyStats accuracy_fresh;  // … that was not stale

  void CountRejection(const std::string& reason);
  std::map<std::string, std::uint64_t> Rejections() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> rejections_;
};

// What the workers share. The referenced objects outlive the workers.
struct SimContext {
  const ServerClock* clock = nullptr;
  Instant opens;    // minute 0 of the model
  Instant stop_at;  // nothing is sent at or after this server time
  HttpTarget target;
  std::chrono::milliseconds timeout{5000};
  SimCounters* counters = nullptr;
  const std::atomic<bool>* cancel = nullptr;  // set on SIGINT
};

// Sends everything for its stations, in each station's order, each station over a connection
// of its own (opened when first needed, bound to the station's source address). Run() blocks on
// the network; construct and run each worker on its own thread.
class OfficerWorker {
 public:
  OfficerWorker(const SimContext& ctx, std::vector<SimStation*> stations);

  // Until every item is done, the stop time passes or cancel is set.
  void Run();
  // Ids the server accepted (created, or repeated on a first send). Call after Run().
  const std::vector<std::string>& AcceptedIds() const { return accepted_; }
  // Planned reports due before the stop time, and before the server's time when Run()
  // returned, but not sent (the run was cancelled or could not keep up).
  std::uint64_t Unsent() const { return unsent_; }

 private:
  struct Item {
    Instant due;
    std::size_t station;
    int report;  // index into the plan, or -1 for an accuracy check
  };
  // All take the index of the station in stations_.
  void SendReport(std::size_t j, const PlannedReport& r);
  // Posts `body` with safe retries (401 → log in again; 429/503 and transport errors → wait and
  // resend the same id). Returns the final status, 0 after transport failures, -1 without a
  // session; `reason` gets the problem's machine word for a refusal.
  int Post(std::size_t j, const std::string& body, std::string* reason);
  bool Login(std::size_t j);
  void Check(std::size_t j);
  HttpClient& Client(std::size_t j);

  SimContext ctx_;
  std::vector<SimStation*> stations_;
  std::vector<std::string> tokens_;
  std::vector<bool> login_failed_;
  std::vector<Item> items_;
  HttpLoop loop_;  // before the clients: it must outlive them
  std::vector<std::unique_ptr<HttpClient>> clients_;
  std::vector<std::string> accepted_;
  std::uint64_t unsent_ = 0;
};

}  // namespace psm::sim
