// Report parse: an officer's POST body, as the officer page sends it, through ParseJsonBody and
// ParseReport into a core Report — the work an event loop does for each report before queueing
// it for the writer.
#include <benchmark/benchmark.h>

#include <string_view>

#include "api/report_parse.hpp"
#include "micro/demo_inputs.hpp"

namespace psm::microbench {
namespace {

const StationId kStation{34, 112};

// The officer page's bodies (web/js/officer.js: id, observed_at, then the kind's fields).
constexpr std::string_view kQueue =
    R"({"id":"0b5f6a52-7a3e-4d8f-9c21-5e8d3f0a4b17","observed_at":"2026-11-30T04:45:12.345Z",)"
    R"("kind":"queue","queue":{"men":14,"women":11,"others":0}})";
constexpr std::string_view kTurnout =
    R"({"id":"3c9e1f70-2b4d-4a6e-8f13-7d2c5b9e0a61","observed_at":"2026-11-30T05:30:02.118Z",)"
    R"("kind":"turnout","votes_polled":{"men":212,"women":187,"others":1}})";
constexpr std::string_view kInterrupted =
    R"({"id":"9a7d2e41-6c5b-4f3a-b8e0-1d4c7f2a9e35","observed_at":"2026-11-30T06:02:47.901Z",)"
    R"("kind":"event","event":"interrupted","reason":"EVM fault, engineer called"})";

void ParseBody(benchmark::State& state, std::string_view body, ReportKind kind) {
  {
    auto json = api::ParseJsonBody(body);
    Require(json.ok(), "a report body is not JSON");
    auto report = api::ParseReport(*json, kStation);
    Require(report.ok() && report->kind == kind && report->station == kStation,
            "a report body was refused or misread");
  }
  for (auto _ : state) {
    auto json = api::ParseJsonBody(body);
    auto report = api::ParseReport(*json, kStation);
    benchmark::DoNotOptimize(report);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}

void BM_ReportParseQueue(benchmark::State& state) {
  ParseBody(state, kQueue, ReportKind::kQueue);
}
BENCHMARK(BM_ReportParseQueue);

void BM_ReportParseTurnout(benchmark::State& state) {
  ParseBody(state, kTurnout, ReportKind::kTurnout);
}
BENCHMARK(BM_ReportParseTurnout);

void BM_ReportParseEvent(benchmark::State& state) {
  ParseBody(state, kInterrupted, ReportKind::kEvent);
}
BENCHMARK(BM_ReportParseEvent);

}  // namespace
}  // namespace psm::microbench

BENCHMARK_MAIN();
