// Registers `psm admin issue-pins | add-user | list-users | disable-user`, each with --store;
// the Run* functions in cli_commands.cpp do the work.
#include <memory>

#include "app/commands.hpp"
#include "config/store_option.hpp"

namespace psm::app {

namespace {

struct AdminArgs {
  std::string store_url = kDefaultStoreUrl;
  std::string pins_out;
  int pins_ac = 0;
  int pin_digits = 8;
  std::string user, role, stations;
};

// One `admin` subcommand with its own --store; `run` is what it does once parsed.
struct AdminAction {
  CLI::App* app;
  std::function<int()> run;
};

AdminAction AddAction(CLI::App& admin, AdminArgs& args, const char* name, const char* help,
                      std::function<int()> run) {
  CLI::App* sub = admin.add_subcommand(name, help);
  AddStoreOption(*sub, args.store_url);
  return {sub, std::move(run)};
}

}  // namespace

Command AddAdminCommand(CLI::App& cli) {
  auto a = std::make_shared<AdminArgs>();
  auto* admin = cli.add_subcommand("admin", "officer PINs and control-room users");
  admin->require_subcommand(1);
  std::vector<AdminAction> actions;

  actions.push_back(AddAction(
      *admin, *a, "issue-pins", "create a random PIN per station; write station_id,pin to FILE",
      [a] { return RunIssuePins(a->store_url, a->pins_out, a->pins_ac, a->pin_digits); }));
  actions.back()
      .app->add_option("--out", a->pins_out, "CSV file to write (the only place PINs exist)")
      ->required();
  actions.back().app->add_option("--ac", a->pins_ac, "only the stations of this AC");
  actions.back()
      .app->add_option("--pin-digits", a->pin_digits, "digits of each PIN")
      ->envname("PSM_PIN_DIGITS")
      ->check(CLI::Range(6, 10))
      ->capture_default_str();

  actions.push_back(
      AddAction(*admin, *a, "add-user",
                "create or update a control-room user; the password is read from stdin",
                [a] { return RunAddUser(a->store_url, a->user, a->role, a->stations); }));
  actions.back().app->add_option("--user", a->user, "user name")->required();
  actions.back()
      .app->add_option("--role", a->role, "admin or sector")
      ->required()
      ->check(CLI::IsMember({"admin", "sector"}));
  actions.back().app->add_option("--stations", a->stations,
                                 "for sector officers: station ids, comma-separated");

  actions.push_back(AddAction(*admin, *a, "list-users", "list the control-room users",
                              [a] { return RunListUsers(a->store_url); }));

  actions.push_back(AddAction(*admin, *a, "disable-user",
                              "refuse a control-room user's logins and end their sessions",
                              [a] { return RunDisableUser(a->store_url, a->user); }));
  actions.back().app->add_option("--user", a->user, "user name")->required();

  return Command{admin, [actions] {
                   for (const AdminAction& action : actions) {
                     if (action.app->parsed()) return action.run();
                   }
                   return 2;  // unreachable: require_subcommand(1)
                 }};
}

}  // namespace psm::app
