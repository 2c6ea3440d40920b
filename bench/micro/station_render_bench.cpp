// Station render: what the writer does for every touched station after every batch — the
// ledger's status, then the station's JSON (onto its fixed head) and its ETag. The nlohmann
// tree the text renderer replaced is measured beside it, as the reference.
#include <benchmark/benchmark.h>

#include <string>

#include "core/fnv.hpp"
#include "core/status_options.hpp"
#include "micro/demo_inputs.hpp"
#include "writer/station_json.hpp"
#include "writer/testing/render_oracle.hpp"

namespace psm::microbench {
namespace {

// One station from the middle of the district, with the name, place and counts it was given.
const Station& AStation() {
  return District().stations.at(1000);
}

void BM_StationStatus(benchmark::State& state) {
  const StationLedger ledger = MorningLedger(AStation());
  const Instant now = Ist(11, 0);
  const StatusOptions options;
  const StationStatus first = ledger.Status(now, options);
  Require(first.state == PollState::kOpen && first.queue && first.wait && first.votes_polled,
          "the morning did not leave an open poll with a queue, a wait and a turnout");
  for (auto _ : state) {
    StationStatus status = ledger.Status(now, options);
    benchmark::DoNotOptimize(status);
  }
}
BENCHMARK(BM_StationStatus);

void BM_StationRender(benchmark::State& state) {
  const Station& station = AStation();
  const StationStatus status = MorningStatus(station);
  const std::string head = StationHead(station);
  Require(StationJsonText(head, status) == testing::StationJson(station, status).dump(),
          "the text renderer differs from the tree");
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = StationJsonText(head, status);
    std::string etag = EtagOf(body);
    bytes += body.size();
    benchmark::DoNotOptimize(body);
    benchmark::DoNotOptimize(etag);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_StationRender);

void BM_StationRenderTree(benchmark::State& state) {
  const Station& station = AStation();
  const StationStatus status = MorningStatus(station);
  for (auto _ : state) {
    std::string body = testing::StationJson(station, status).dump();
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_StationRenderTree);

}  // namespace
}  // namespace psm::microbench

BENCHMARK_MAIN();
