// Prepared answer: GET /api/v1/stations/{id} after routing — the thread's prepared answers for
// the station (StationAnswers::For), the If-None-Match check and the bytes the send takes, over
// every station of the demo district in random order. Also the rebuild after a new view.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "api/station_answers.hpp"
#include "board/board.hpp"
#include "core/fnv.hpp"
#include "http/etag.hpp"
#include "micro/demo_inputs.hpp"
#include "writer/station_json.hpp"

namespace psm::microbench {
namespace {

// `psm serve`'s default headers (app/serve.cpp).
const http::DefaultHeaders kDefaults{{"X-Content-Type-Options", "nosniff"},
                                     {"Referrer-Policy", "no-referrer"}};

std::shared_ptr<const StationView> Render(const Station& station, const StationStatus& status) {
  auto view = std::make_shared<StationView>();
  view->station = station;
  view->status = status;
  view->body = std::make_shared<const std::string>(StationJsonText(StationHead(station), status));
  view->etag = EtagOf(*view->body);
  return view;
}

// The district's Board with every station rendered at 11:00, its answers, and the order in
// which stations are asked for (each once per round, shuffled).
struct Served {
  Board board{District().constituencies, District().stations};
  api::StationAnswers answers{board, kDefaults, 10};
  std::vector<std::uint32_t> order;
  Served() {
    for (std::uint32_t i = 0; i < board.size(); ++i) {
      board.Set(i, Render(board.station(i), MorningStatus(board.station(i))));
      order.push_back(i);
    }
    std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  }
};

Served& ServedDistrict() {
  static Served served;
  return served;
}

// Copies the answer's bytes, standing in for the send that takes them.
std::size_t Send(const http::PreparedResponse& answer, char* out) {
  std::memcpy(out, answer.wire.data(), answer.wire.size());
  benchmark::ClobberMemory();
  return answer.wire.size();
}

void Serve(benchmark::State& state, bool conditional) {
  Served& s = ServedDistrict();
  std::vector<std::string> if_none_match;  // what each station's returning client sends
  for (std::uint32_t i = 0; i < s.board.size(); ++i) {
    const auto& set = s.answers.For(i);
    const std::string& wire = set.status->wire;
    Require(wire.starts_with("HTTP/1.1 200 OK\r\n") && wire.ends_with(*set.view->body) &&
                wire.find("ETag: " + set.view->etag + "\r\n") != std::string::npos,
            "a station's 200 is not its body with its ETag");
    Require(set.not_modified->wire.starts_with("HTTP/1.1 304 Not Modified\r\n") &&
                set.not_modified->wire.ends_with("\r\n\r\n"),
            "a station's 304 is not a bodiless 304");
    if_none_match.push_back(conditional ? set.view->etag : std::string());
  }
  std::vector<char> out(64 * 1024);
  std::size_t bytes = 0, next = 0;
  for (auto _ : state) {
    const std::uint32_t index = s.order[next];
    const auto& set = s.answers.For(index);
    const std::string_view header = if_none_match[index];
    const bool fresh = !header.empty() && http::IfNoneMatchHits(header, set.view->etag);
    bytes += Send(fresh ? *set.not_modified : *set.status, out.data());
    if (++next == s.order.size()) next = 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

void BM_PreparedAnswer200(benchmark::State& state) {
  Serve(state, false);
}
BENCHMARK(BM_PreparedAnswer200);

void BM_PreparedAnswer304(benchmark::State& state) {
  Serve(state, true);
}
BENCHMARK(BM_PreparedAnswer304);

// A thread's first read after the writer published a new view with a new body: the 200, the
// 304 and the look-up answer are serialised again (two views taking turns).
void BM_PreparedAnswerRebuild(benchmark::State& state) {
  Served& s = ServedDistrict();
  const std::uint32_t index = s.order.front();
  const Station& station = s.board.station(index);
  StationStatus later = MorningStatus(station);
  later.queue->men += 1;
  const std::shared_ptr<const StationView> views[2] = {s.board.Get(index), Render(station, later)};
  Require(*views[0]->body != *views[1]->body, "the two views have the same body");
  int turn = 0;
  for (auto _ : state) {
    turn ^= 1;
    s.board.Set(index, views[turn]);
    const auto& set = s.answers.For(index);
    benchmark::DoNotOptimize(set.status->wire.data());
  }
  Require(s.answers.For(index).view == views[turn], "the answers did not follow the new view");
  s.board.Set(index, views[0]);
}
BENCHMARK(BM_PreparedAnswerRebuild);

}  // namespace
}  // namespace psm::microbench

BENCHMARK_MAIN();
