// The subcommands of the one `psm` binary; main.cpp only parses and dispatches.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <vector>

#include "config/serve_config.hpp"
#include "store/store.hpp"

namespace psm::app {

inline constexpr const char* kVersion = "0.1.0";

// A subcommand module: registers its options on the command line and returns the subcommand
// and the function to run when it was chosen (options live in state the function captures).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

int RunServe(ServeConfig config);
int RunImport(const std::string& store_url, const std::string& dir, bool dry_run);
int RunIssuePins(const std::string& store_url, const std::string& out, int ac, int digits);
int RunAddUser(const std::string& store_url, const std::string& user, const std::string& role,
               const std::string& stations);
// `psm admin list-users`: every control-room user, their role, status and stations.
int RunListUsers(const std::string& store_url);
// `psm admin disable-user --user NAME`: refuses their logins and ends their sessions (audited).
int RunDisableUser(const std::string& store_url, const std::string& user);

// The subcommands, in the order `psm --help` lists them.
Command AddServeCommand(CLI::App& cli);     // serve_command.cpp
Command AddImportCommand(CLI::App& cli);    // import_command.cpp
Command AddAdminCommand(CLI::App& cli);     // admin_command.cpp: issue-pins, add-user, …
Command AddDemoDataCommand(CLI::App& cli);  // demo-data --out DIR [--seed N] [--scale F]
Command AddSimulateCommand(CLI::App& cli);  // simulate --url URL --pins FILE …

// Opens and migrates a store for a command-line tool; prints the error and returns null.
std::unique_ptr<Store> OpenForCli(const std::string& url);

}  // namespace psm::app
