// Registers `psm serve` with every option of ServeConfig (RunServe in serve.cpp does the work).
#include <memory>

#include "app/commands.hpp"

namespace psm::app {

Command AddServeCommand(CLI::App& cli) {
  auto config = std::make_shared<ServeConfig>();
  auto* sub = cli.add_subcommand("serve", "run the HTTP API and the live event stream");
  AddServeOptions(*sub, *config);
  return Command{sub, [config] { return RunServe(*config); }};
}

}  // namespace psm::app
