// psm: one binary, subcommands (ARCHITECTURE §2). Parses the command line and dispatches.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "config/dotenv.hpp"

int main(int argc, char** argv) {
  using namespace psm;
  // .env fills in PSM_* variables not already set, so flags > environment > .env > defaults.
  if (auto loaded = LoadDotEnv(".env"); !loaded.ok()) {
    std::fprintf(stderr, "psm: %s\n", loaded.error().detail.c_str());
    return 2;
  }

  CLI::App cli{"psm — Polling Station Monitor: live polling-station queues for a district"};
  cli.set_version_flag("--version", std::string("psm ") + app::kVersion);
  cli.require_subcommand(1);
  auto* help = cli.add_subcommand("help", "show this help");

  // Every subcommand is a module that registers its options and returns what to run.
  const std::vector<app::Command> commands = {
      app::AddServeCommand(cli),    app::AddImportCommand(cli),   app::AddAdminCommand(cli),
      app::AddDemoDataCommand(cli), app::AddSimulateCommand(cli),
  };

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  if (help->parsed()) {
    // cli.help() would describe the selected `help` subcommand itself; format the top level.
    std::cout << cli.get_formatter()->make_help(&cli, "psm", CLI::AppFormatMode::Normal);
    return 0;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::cerr << cli.help();
  return 2;
}
