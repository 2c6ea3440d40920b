// Registers `psm import [--store URL] [--dry-run] DIR` (RunImport in cli_commands.cpp does it).
#include <memory>

#include "app/commands.hpp"
#include "config/store_option.hpp"

namespace psm::app {

namespace {
struct ImportArgs {
  std::string store_url = kDefaultStoreUrl;
  std::string dir;
  bool dry_run = false;
};
}  // namespace

Command AddImportCommand(CLI::App& cli) {
  auto args = std::make_shared<ImportArgs>();
  auto* sub = cli.add_subcommand("import",
                                 "load constituencies.csv, stations.csv and electors.csv from DIR");
  AddStoreOption(*sub, args->store_url);
  sub->add_option("dir", args->dir, "folder with the three CSV files")->required();
  sub->add_flag("--dry-run", args->dry_run, "validate only; write nothing");
  return Command{sub, [args] { return RunImport(args->store_url, args->dir, args->dry_run); }};
}

}  // namespace psm::app
