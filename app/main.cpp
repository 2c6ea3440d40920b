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

  ServeConfig serve_config;
  auto* serve = cli.add_subcommand("serve", "run the HTTP API and the live event stream");
  AddServeOptions(*serve, serve_config);

  std::string store_url = "sqlite:var/psm.db";
  std::string dir;
  bool dry_run = false;
  auto* import = cli.add_subcommand(
      "import", "load constituencies.csv, stations.csv and electors.csv from DIR");
  import->add_option("--store", store_url, "store URL")
      ->envname("PSM_STORE")
      ->capture_default_str();
  import->add_option("dir", dir, "folder with the three CSV files")->required();
  import->add_flag("--dry-run", dry_run, "validate only; write nothing");

  auto* admin = cli.add_subcommand("admin", "officer PINs and control-room users");
  admin->require_subcommand(1);
  std::string pins_out;
  int pins_ac = 0;
  auto* pins = admin->add_subcommand(
      "issue-pins", "create a random 6-digit PIN per station; write station_id,pin to FILE");
  pins->add_option("--store", store_url, "store URL")->envname("PSM_STORE")->capture_default_str();
  pins->add_option("--out", pins_out, "CSV file to write (the only place PINs exist)")->required();
  pins->add_option("--ac", pins_ac, "only the stations of this AC");

  std::string user, role, stations;
  auto* add_user = admin->add_subcommand(
      "add-user", "create or update a control-room user; the password is read from stdin");
  add_user->add_option("--store", store_url, "store URL")
      ->envname("PSM_STORE")
      ->capture_default_str();
  add_user->add_option("--user", user, "user name")->required();
  add_user->add_option("--role", role, "admin or sector")
      ->required()
      ->check(CLI::IsMember({"admin", "sector"}));
  add_user->add_option("--stations", stations, "for sector officers: station ids, comma-separated");
  auto* list_users = admin->add_subcommand("list-users", "list the control-room users");
  list_users->add_option("--store", store_url, "store URL")
      ->envname("PSM_STORE")
      ->capture_default_str();
  auto* disable_user = admin->add_subcommand(
      "disable-user", "refuse a control-room user's logins and end their sessions");
  disable_user->add_option("--store", store_url, "store URL")
      ->envname("PSM_STORE")
      ->capture_default_str();
  disable_user->add_option("--user", user, "user name")->required();

  // Further subcommands register here; each returns the runner to call when it was chosen.
  std::vector<app::Command> commands;
  // (commands.push_back(app::AddXxxCommand(cli)); one line per command module)
  commands.push_back(app::AddDemoDataCommand(cli));
  commands.push_back(app::AddSimulateCommand(cli));

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
  if (serve->parsed()) return app::RunServe(serve_config);
  if (import->parsed()) return app::RunImport(store_url, dir, dry_run);
  if (pins->parsed()) return app::RunIssuePins(store_url, pins_out, pins_ac);
  if (add_user->parsed()) return app::RunAddUser(store_url, user, role, stations);
  if (list_users->parsed()) return app::RunListUsers(store_url);
  if (disable_user->parsed()) return app::RunDisableUser(store_url, user);
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::cerr << cli.help();
  return 2;
}
