// Officer worker: login, timed report sends with safe retries, duplicates, accuracy checks; a
// connection per station.
#include "sim/sim_officer.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

namespace psm::sim {
namespace {

using std::chrono::milliseconds;
using Json = nlohmann::json;

constexpr int kMaxAttempts = 6;
constexpr milliseconds kMaxBackoff{1000};
constexpr milliseconds kIdleSleep{50};
constexpr auto kMaxCheckLag = std::chrono::minutes(15);

// The machine reason of a problem+json body ("…/problems/turnout_decreased" → that word).
std::string ProblemReason(const std::string& body, int status) {
  const Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("type") && j["type"].is_string()) {
    const std::string type = j["type"];
    return type.substr(type.rfind('/') + 1);
  }
  return "http_" + std::to_string(status);
}

void Backoff(int retry_after_s) {
  std::this_thread::sleep_for(
      std::min<milliseconds>(kMaxBackoff, std::chrono::seconds(std::max(1, retry_after_s))));
}

double MillisSince(RealTime t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void SimCounters::CountRejection(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++rejections_[reason];
}

std::map<std::string, std::uint64_t> SimCounters::Rejections() const {
  std::lock_guard lock(mu_);
  return rejections_;
}

OfficerWorker::OfficerWorker(const SimContext& ctx, std::vector<SimStation*> stations)
    : ctx_(ctx),
      stations_(std::move(stations)),
      tokens_(stations_.size()),
      login_failed_(stations_.size(), false),
      clients_(stations_.size()) {
  for (std::size_t j = 0; j < stations_.size(); ++j) {
    const SimStation& s = *stations_[j];
    for (std::size_t k = 0; k < s.plan.size(); ++k) {
      if (s.plan[k].dropped) continue;
      items_.push_back(
          Item{ctx_.opens + std::chrono::minutes(s.plan[k].send_minute), j, static_cast<int>(k)});
    }
    if (!s.sampled) continue;
    // A check at t compares with the true wait of someone joining at t (the state after t - 1).
    for (int t = std::max(1, s.check_offset); t <= kPollMinutes; t += 15) {
      items_.push_back(Item{ctx_.opens + std::chrono::minutes(t), j, -1});
    }
  }
  // Stable: a station's reports keep their planned order among equal send times.
  std::stable_sort(items_.begin(), items_.end(),
                   [](const Item& a, const Item& b) { return a.due < b.due; });
}

void OfficerWorker::Run() {
  std::size_t i = 0;
  while (i < items_.size() && !ctx_.cancel->load()) {
    const Item& item = items_[i];
    if (item.due >= ctx_.stop_at) break;
    const auto now = ctx_.clock->Now(std::chrono::steady_clock::now());
    if (!now) {
      std::this_thread::sleep_for(kIdleSleep);
      continue;
    }
    if (*now >= ctx_.stop_at) break;
    if (item.due > *now) {
      const double real_ms =
          std::chrono::duration<double, std::milli>(item.due - *now).count() / ctx_.clock->Speed();
      std::this_thread::sleep_for(
          std::min<milliseconds>(kIdleSleep, milliseconds(static_cast<long long>(real_ms) + 1)));
      continue;
    }
    if (item.report < 0) {
      // Behind schedule (a slow server): a check long past its time only delays the reports.
      if (*now - item.due <= kMaxCheckLag) Check(item.station);
    } else {
      SendReport(item.station,
                 stations_[item.station]->plan[static_cast<std::size_t>(item.report)]);
    }
    ++i;
  }
  // Cancelled early, the rest of the day was not yet due: only what was due counts as unsent.
  Instant cutoff = ctx_.stop_at;
  if (const auto now = ctx_.clock->Now(std::chrono::steady_clock::now())) {
    cutoff = std::min(cutoff, *now);
  }
  for (; i < items_.size(); ++i) {
    if (items_[i].report >= 0 && items_[i].due < cutoff) ++unsent_;
  }
}

HttpClient& OfficerWorker::Client(std::size_t j) {
  if (!clients_[j]) {
    clients_[j] =
        std::make_unique<HttpClient>(ctx_.target, ctx_.timeout, loop_, stations_[j]->source);
  }
  return *clients_[j];
}

bool OfficerWorker::Login(std::size_t j) {
  if (login_failed_[j]) return false;
  const SimStation& s = *stations_[j];
  const std::string body = Json{{"station", s.id}, {"pin", s.pin}}.dump();
  for (int attempt = 0; attempt < kMaxAttempts && !ctx_.cancel->load(); ++attempt) {
    auto res = Client(j).Request("POST", "/api/v1/sessions", body);
    if (!res.ok()) {
      Backoff(1);
      continue;
    }
    if (res->status == 201) {
      const Json j_body = Json::parse(res->body, nullptr, false);
      if (j_body.is_object() && j_body.contains("token") && j_body["token"].is_string()) {
        tokens_[j] = j_body["token"];
        ++ctx_.counters->logins;
        return true;
      }
      break;
    }
    if (res->status == 429 || res->status == 503) {
      Backoff(res->retry_after_s);
      continue;
    }
    ctx_.counters->CountRejection("login_" + ProblemReason(res->body, res->status));
    break;
  }
  ++ctx_.counters->login_failures;
  login_failed_[j] = true;
  return false;
}

int OfficerWorker::Post(std::size_t j, const std::string& body, std::string* reason) {
  const std::string target = "/api/v1/stations/" + stations_[j]->id + "/reports";
  int status = 0;
  for (int attempt = 0; attempt < kMaxAttempts && !ctx_.cancel->load(); ++attempt) {
    if (tokens_[j].empty() && !Login(j)) return -1;
    const auto t0 = std::chrono::steady_clock::now();
    auto res = Client(j).Request("POST", target, body, tokens_[j]);
    if (!res.ok()) {
      status = 0;
      Backoff(1);
      continue;
    }
    ctx_.counters->report_latency.Record(MillisSince(t0));
    status = res->status;
    if (status == 401) {
      tokens_[j].clear();
      continue;
    }
    if (status == 429 || status == 503) {
      ++ctx_.counters->throttled;
      Backoff(res->retry_after_s);
      continue;
    }
    if (status != 200 && status != 201) *reason = ProblemReason(res->body, status);
    return status;
  }
  if (status != 0) *reason = "gave_up_after_" + std::to_string(status);
  return status == 429 || status == 503 || status == 401 ? 0 : status;
}

void OfficerWorker::SendReport(std::size_t j, const PlannedReport& r) {
  SimCounters& c = *ctx_.counters;
  const std::string body = ReportBody(r, ctx_.opens).dump();
  ++c.sent;
  if (r.late) ++c.late;
  std::string reason;
  const int status = Post(j, body, &reason);
  if (status == 201 || status == 200) {
    ++(status == 201 ? c.created : c.repeated);
    accepted_.push_back(r.id);
  } else if (status > 0) {
    ++c.rejected;
    c.CountRejection(reason);
  } else {
    ++c.errors;
  }
  if (!r.duplicate || (status != 201 && status != 200)) return;
  // The phone did not see the answer and sends the very same report again.
  ++c.dup_sent;
  std::string dup_reason;
  const int again = Post(j, body, &dup_reason);
  ++(again == 200 ? c.dup_repeated : c.dup_other);
}

void OfficerWorker::Check(std::size_t j) {
  SimCounters& c = *ctx_.counters;
  const SimStation& s = *stations_[j];
  const auto t0 = std::chrono::steady_clock::now();
  auto res = Client(j).Request("GET", "/api/v1/stations/" + s.id);
  if (!res.ok() || res->status != 200) return;
  c.read_latency.Record(MillisSince(t0));
  ++c.checks;
  const auto now = ctx_.clock->Now(std::chrono::steady_clock::now());
  if (!now) return;
  const auto minute =
      static_cast<int>(std::chrono::floor<std::chrono::minutes>(*now - ctx_.opens).count());
  const auto truth = s.day.TrueWaitAt(minute - 1);
  const Json body = Json::parse(res->body, nullptr, false);
  if (!truth || !body.is_object() || !body.contains("status")) return;
  const Json& st = body["status"];
  if (!st.is_object() || !st.contains("wait_minutes") || !st["wait_minutes"].is_object()) return;
  const Json& w = st["wait_minutes"];
  if (!w.contains("low") || !w.contains("high") || !w["low"].is_number_integer() ||
      !w["high"].is_number_integer()) {
    return;
  }
  const int low = w["low"], high = w["high"];
  const bool stale = st.contains("stale") && st["stale"].is_boolean() && st["stale"].get<bool>();
  c.accuracy.Add(*truth, low, high);
  if (stale) {
    ++c.checks_stale;
  } else {
    c.accuracy_fresh.Add(*truth, low, high);
  }
}

}  // namespace psm::sim
