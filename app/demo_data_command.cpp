// `psm demo-data`: writes the synthetic Jalandhar roll (src/sim/demo_data.hpp) as the three CSV
// files `psm import` reads.
#include <chrono>
#include <cstdio>
#include <memory>

#include "app/commands.hpp"
#include "core/clock.hpp"
#include "sim/demo_data.hpp"
#include "sim/demo_write.hpp"

namespace psm::app {
namespace {

struct DemoDataArgs {
  std::string out;
  std::uint64_t seed = 1;
  double scale = 1.0;
};

int RunDemoData(const DemoDataArgs& args) {
  const SystemClock clock;
  const SteadyTime start = clock.SteadyNow();
  auto district = sim::GenerateDemoDistrict({.seed = args.seed, .scale = args.scale});
  if (!district.ok()) {
    std::fprintf(stderr, "psm demo-data: %s\n", district.error().detail.c_str());
    return 2;
  }
  auto written = sim::WriteDemoData(*district, args.out);
  if (!written.ok()) {
    std::fprintf(stderr, "psm demo-data: %s\n", written.error().detail.c_str());
    return written.error().code == ErrorCode::kInvalid ? 2 : 1;
  }
  const double seconds = std::chrono::duration<double>(clock.SteadyNow() - start).count();
  std::printf(
      "demo-data: %lld constituencies, %lld stations, %lld electors (seed %llu, scale %g) → "
      "%s/{constituencies,stations,electors}.csv, %.1f MB in %.2f s\n",
      static_cast<long long>(written->constituencies), static_cast<long long>(written->stations),
      static_cast<long long>(written->electors), static_cast<unsigned long long>(args.seed),
      args.scale, args.out.c_str(), static_cast<double>(written->bytes) / 1e6, seconds);
  return 0;
}

}  // namespace

Command AddDemoDataCommand(CLI::App& cli) {
  auto args = std::make_shared<DemoDataArgs>();
  auto* sub = cli.add_subcommand(
      "demo-data",
      "write a synthetic but realistic Jalandhar roll (constituencies.csv, stations.csv, "
      "electors.csv) to DIR for `psm import`; the same seed gives the same bytes");
  sub->add_option("--out", args->out, "directory to write (created if missing)")->required();
  sub->add_option("--seed", args->seed, "random seed")->capture_default_str();
  sub->add_option("--scale", args->scale,
                  "fraction of the district, 0 < F <= 1 (1 = 1,951 stations, 1,654,005 electors)")
      ->capture_default_str();
  return Command{sub, [args] { return RunDemoData(*args); }};
}

}  // namespace psm::app
