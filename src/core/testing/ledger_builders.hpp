// Test helpers: a fixed polling day, IST instants and report builders for ledger tests.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "core/model.hpp"
#include "core/status_options.hpp"
#include "core/time.hpp"

namespace psm::testing {

inline PollingDay Day() {
  PollingDay d;
  d.date = std::chrono::year(2026) / 11 / 30;
  return d;
}

// An instant on the polling day at local (IST) time h:m:s.
inline Instant Ist(int h, int m, int s = 0) {
  return Day().At(std::chrono::hours(h) + std::chrono::minutes(m)) + std::chrono::seconds(s);
}

inline const StationId kStationId{34, 112};

// 952 electors: 500 men, 450 women, 2 others.
inline Station TestStation() {
  Station s;
  s.id = kStationId;
  s.name = "Govt. Senior Secondary School, Room 2";
  s.electors = Counts{500, 450, 2};
  return s;
}

inline std::string NextId() {
  static int n = 0;
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", ++n);
  return buf;
}

inline Report Queue(Instant at, Counts c) {
  Report r;
  r.id = NextId();
  r.station = kStationId;
  r.kind = ReportKind::kQueue;
  r.observed_at = at;
  r.counts = c;
  return r;
}

inline Report Turnout(Instant at, Counts c) {
  Report r = Queue(at, c);
  r.kind = ReportKind::kTurnout;
  return r;
}

inline Report Event(Instant at, EventKind k, std::string reason = "",
                    std::int64_t voters_at_close = 0) {
  Report r;
  r.id = NextId();
  r.station = kStationId;
  r.kind = ReportKind::kEvent;
  r.observed_at = at;
  r.event = k;
  r.reason = std::move(reason);
  r.voters_in_queue_at_close = voters_at_close;
  return r;
}

}  // namespace psm::testing
