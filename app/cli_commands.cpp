// `psm import` and `psm admin …`: blocking tools that talk to the store directly.
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "auth/secret_hash.hpp"
#include "auth/token.hpp"
#include "core/clock.hpp"
#include "core/text.hpp"
#include "roll/progress_printer.hpp"
#include "roll/roll_import.hpp"

namespace psm::app {

std::unique_ptr<Store> OpenForCli(const std::string& url) {
  auto store = OpenStore(url);
  if (!store.ok()) {
    std::fprintf(stderr, "psm: cannot open store %s: %s\n", url.c_str(),
                 store.error().detail.c_str());
    return nullptr;
  }
  if (Status st = store.value()->Migrate(); !st.ok()) {
    std::fprintf(stderr, "psm: cannot migrate store %s: %s\n", url.c_str(),
                 st.error().detail.c_str());
    return nullptr;
  }
  return std::move(store).value();
}

int RunImport(const std::string& store_url, const std::string& dir, bool dry_run) {
  auto store = OpenForCli(store_url);
  if (!store) return 1;
  roll::ImportOptions options;
  options.dry_run = dry_run;
  auto printer =
      std::make_shared<roll::ProgressPrinter>(roll::ProgressPrinter::ForStderr("electors.csv"));
  options.progress = [printer](std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
    (*printer)(done, total, rows);
  };
  const roll::ImportReport report = roll::ImportRoll(*store, dir, options);
  for (const auto& e : report.errors)
    std::fprintf(stderr, "%s/%s\n", dir.c_str(), e.c_str());
  std::printf("%s", report.Summary().c_str());
  if (!report.ok()) {
    std::fprintf(stderr, "psm import: %s\n",
                 report.errors.empty() ? report.status.error().detail.c_str()
                                       : "refused; nothing from the failing file was imported");
    return 1;
  }
  return 0;
}

int RunIssuePins(const std::string& store_url, const std::string& out, int ac, int digits) {
  auto store = OpenForCli(store_url);
  if (!store) return 1;
  auto stations = store->LoadStations();
  if (!stations.ok()) {
    std::fprintf(stderr, "psm: %s\n", stations.error().detail.c_str());
    return 1;
  }
  std::vector<Station> chosen;
  for (const auto& s : *stations) {
    if (ac == 0 || s.id.ac == ac) chosen.push_back(s);
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "psm: no stations%s in the store; run psm import first\n",
                 ac ? (" of AC " + std::to_string(ac)).c_str() : "");
    return 1;
  }
  // Write the PIN file first (owner-only), then store all hashes in one transaction: a failure
  // leaves every station with its old PIN, never a stored PIN that nobody has.
  const std::string tmp = out + ".tmp";
  std::ofstream file(tmp, std::ios::trunc);
  if (!file || ::chmod(tmp.c_str(), 0600) != 0) {  // owner-only before any PIN is written
    std::fprintf(stderr, "psm: cannot write %s\n", tmp.c_str());
    return 1;
  }
  file << "station_id,pin\n";
  std::vector<std::pair<StationId, std::string>> pins;
  for (const auto& s : chosen) {
    pins.emplace_back(s.id, auth::NewPin(static_cast<std::size_t>(digits)));
    file << s.id.ToString() << ',' << pins.back().second << '\n';
  }
  file.close();
  if (!file) {
    std::fprintf(stderr, "psm: cannot write %s\n", tmp.c_str());
    return 1;
  }
  // Hashing is deliberately slow (Argon2id); spread it over the cores, then store every hash
  // in one transaction.
  std::vector<std::pair<StationId, std::string>> hashes(pins.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < pins.size() && !failed;) {
        auto hash = auth::HashSecret(pins[i].second, auth::HashCost::kPin);
        if (!hash.ok()) {
          failed = true;
          return;
        }
        hashes[i] = {pins[i].first, std::move(hash).value()};
      }
    });
  }
  for (auto& w : workers)
    w.join();
  if (failed) {
    std::fprintf(stderr, "psm: hashing a PIN failed; nothing was stored\n");
    std::remove(tmp.c_str());
    return 1;
  }
  if (Status st = store->SetStationPinHashes(hashes); !st.ok()) {
    std::fprintf(stderr, "psm: storing the PINs failed: %s; nothing was stored\n",
                 st.error().detail.c_str());
    std::remove(tmp.c_str());
    return 1;
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::fprintf(stderr, "psm: cannot rename %s to %s\n", tmp.c_str(), out.c_str());
    return 1;
  }
  std::printf("issued %zu PINs; written to %s (keep it safe: the store holds only hashes)\n",
              pins.size(), out.c_str());
  return 0;
}

int RunAddUser(const std::string& store_url, const std::string& name, const std::string& role,
               const std::string& stations) {
  auto store = OpenForCli(store_url);
  if (!store) return 1;
  User user;
  user.name = name;
  user.role = *ParseRole(role);
  if (!stations.empty()) {
    std::string_view list = stations;
    if (list.ends_with(',')) list.remove_suffix(1);  // "34-112," as typed: no empty last item
    for (const std::string_view item : Split(list, ',')) {
      const auto id = StationId::Parse(item);
      if (!id) {
        std::fprintf(stderr, "psm: --stations: \"%.*s\" is not a station id like 34-112\n",
                     static_cast<int>(item.size()), item.data());
        return 2;
      }
      user.stations.push_back(*id);
    }
  }
  if (user.role == Role::kSector && user.stations.empty()) {
    std::fprintf(stderr, "psm: a sector officer needs --stations\n");
    return 2;
  }
  if (::isatty(STDIN_FILENO)) std::fprintf(stderr, "password: ");
  std::string password;
  std::getline(std::cin, password);
  if (password.size() < 8) {
    std::fprintf(stderr, "psm: the password (read from stdin) must have at least 8 characters\n");
    return 2;
  }
  auto hash = auth::HashSecret(password, auth::HashCost::kPassword);
  if (!hash.ok()) {
    std::fprintf(stderr, "psm: hashing failed: %s\n", hash.error().detail.c_str());
    return 1;
  }
  user.password_hash = *hash;
  user.created_at = SystemClock().Now();
  if (Status st = store->UpsertUser(user); !st.ok()) {
    std::fprintf(stderr, "psm: %s\n", st.error().detail.c_str());
    return 1;
  }
  AuditEntry audit{0,       user.created_at, "cli", "admin",
                   "local", "user_added",    "",    name + " as " + role};
  if (Status st = store->AppendAudit({audit}); !st.ok())
    std::fprintf(stderr, "psm: warning: audit write failed: %s\n", st.error().detail.c_str());
  std::printf("user %s saved as %s\n", name.c_str(), role.c_str());
  return 0;
}

}  // namespace psm::app

namespace psm::app {

int RunListUsers(const std::string& store_url) {
  auto store = OpenForCli(store_url);
  if (!store) return 1;
  auto users = store->ListUsers();
  if (!users.ok()) {
    std::fprintf(stderr, "psm: %s\n", users.error().detail.c_str());
    return 1;
  }
  std::printf("%-20s %-7s %-8s %-20s %s\n", "user", "role", "status", "created_at", "stations");
  for (const User& u : *users) {
    std::string stations;
    for (const StationId& id : u.stations)
      stations += (stations.empty() ? "" : ",") + id.ToString();
    std::printf("%-20s %-7s %-8s %-20s %s\n", u.name.c_str(), std::string(ToString(u.role)).c_str(),
                u.disabled ? "disabled" : "active", FormatRfc3339(u.created_at).c_str(),
                u.role == Role::kAdmin ? "(all)" : stations.c_str());
  }
  return 0;
}

int RunDisableUser(const std::string& store_url, const std::string& name) {
  auto store = OpenForCli(store_url);
  if (!store) return 1;
  auto found = store->FindUser(name);
  if (!found.ok()) {
    std::fprintf(stderr, "psm: %s\n", found.error().detail.c_str());
    return 1;
  }
  if (!found.value()) {
    std::fprintf(stderr, "psm: no user %s (see psm admin list-users)\n", name.c_str());
    return 1;
  }
  User user = std::move(*found.value());
  user.disabled = true;
  if (Status st = store->UpsertUser(user); !st.ok()) {
    std::fprintf(stderr, "psm: %s\n", st.error().detail.c_str());
    return 1;
  }
  // A running server drops the cached sessions within seconds (it re-reads users every 5 s).
  if (Status st = store->DeleteUserSessions(name); !st.ok())
    std::fprintf(stderr, "psm: warning: ending sessions failed: %s\n", st.error().detail.c_str());
  const Instant now = SystemClock().Now();
  AuditEntry audit{0, now, "cli", "admin", "local", "user_disabled", "", name};
  if (Status st = store->AppendAudit({audit}); !st.ok())
    std::fprintf(stderr, "psm: warning: audit write failed: %s\n", st.error().detail.c_str());
  std::printf("user %s disabled; their sessions are ended (add-user enables them again)\n",
              name.c_str());
  return 0;
}

}  // namespace psm::app
