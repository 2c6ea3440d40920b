// A throwaway PostgreSQL server for tests: initdb, postgres on a free port, readiness by PQping,
// and a stop by PID. Processes are started with fork/exec so the PID held is the postmaster's.
#include "store/testing/postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "store/postgres/connection.hpp"
#include "support/child_process.hpp"

namespace psm::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultBin = "/usr/lib/postgresql/15/bin";

// Who the server runs as: the `postgres` system user when we are root, else ourselves.
struct RunAs {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Error Failed(std::string detail) {
  return Error::Unavailable("postgres_test_server", std::move(detail));
}

Result<RunAs> ServerUser() {
  if (::geteuid() != 0) return RunAs{};
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    return Failed(
        "running as root, and PostgreSQL refuses to run as root, but there is no `postgres` "
        "system user to run it as (the Debian package postgresql-15 creates it)");
  }
  return RunAs{true, pw->pw_uid, pw->pw_gid};
}

// How the server's programs are started: as `as`, in `cwd`, output to `log`; `death_signal`
// (e.g. SIGINT, a fast shutdown) if this process dies without stopping them.
SpawnOptions SpawnAs(const RunAs& as, const std::filesystem::path& log,
                     const std::filesystem::path& cwd, int death_signal) {
  SpawnOptions o{
      .log = log, .cwd = cwd, .death_signal = death_signal, .error_reason = "postgres_test_server"};
  if (as.switch_user) {
    o.uid = as.uid;
    o.gid = as.gid;
  }
  return o;
}

Status Chown(const std::filesystem::path& path, const RunAs& as) {
  if (!as.switch_user) return {};
  if (::chown(path.c_str(), as.uid, as.gid) != 0) {
    return Failed("chown " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  const char* env_bin = std::getenv("PSM_POSTGRES_BIN");
  server->bin_ = env_bin != nullptr && *env_bin != '\0' ? env_bin : kDefaultBin;
  for (const char* tool : {"initdb", "postgres"}) {
    const std::string path = server->bin_ + "/" + tool;
    if (::access(path.c_str(), X_OK) != 0) {
      return Failed("PostgreSQL server binaries not found: " + path +
                    " is missing. The PostgreSQL tests need PostgreSQL 15 installed (Debian "
                    "package postgresql-15; `make setup` installs it), or PSM_POSTGRES_BIN set "
                    "to the folder with initdb and postgres.");
    }
  }
  auto user = ServerUser();
  if (!user.ok()) return user.error();
  const RunAs as = *user;

  server->dir_ = std::make_unique<TempDir>();
  const auto& root = server->dir_->path();
  if (auto s = Chown(root, as); !s.ok()) return s.error();
  const auto sock = root / "sock";
  std::filesystem::create_directory(sock);
  if (auto s = Chown(sock, as); !s.ok()) return s.error();
  const auto log = root / "postgres.log";

  auto initdb = Spawn({server->bin_ + "/initdb", "-D", (root / "data").string(), "-U", "postgres",
                       "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                      SpawnAs(as, log, root, 0));
  if (!initdb.ok()) return initdb.error();
  const auto status = WaitExit(*initdb, std::chrono::seconds(120));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    if (!status) {
      ::kill(-*initdb, SIGKILL);
      ::waitpid(*initdb, nullptr, 0);
    }
    return Failed("initdb failed:\n" + LogTail(log));
  }

  // A free port may be taken by another process before the server binds it: try a few.
  Status launched;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = FreeLoopbackPort("postgres_test_server");
    if (!port.ok()) return port.error();
    launched = server->Launch(*port);
    if (launched.ok()) return server;
    if (launched.error().reason != "port_taken") break;
  }
  return launched.error();
}

Status PostgresServer::Launch(int port) {
  const auto& root = dir_->path();
  const auto log = root / "postgres.log";
  auto as = ServerUser();
  if (!as.ok()) return as.error();
  const std::size_t log_start = ReadFile(log).size();
  auto pid = Spawn({bin_ + "/postgres", "-D", (root / "data").string(), "-p", std::to_string(port),
                    "-k", (root / "sock").string(), "-c", "listen_addresses=127.0.0.1", "-c",
                    "fsync=off", "-c", "full_page_writes=off", "-c", "logging_collector=off"},
                   SpawnAs(*as, log, root, SIGINT));
  if (!pid.ok()) return pid.error();
  pid_ = *pid;
  port_ = port;

  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) +
                               " user=postgres dbname=postgres connect_timeout=2";
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    if (auto exited = WaitExit(pid_, std::chrono::milliseconds(0))) {
      pid_ = -1;
      const std::string text = ReadFile(log);
      const std::string tail = text.size() > log_start ? text.substr(log_start) : "";
      if (tail.find("could not bind") != std::string::npos ||
          tail.find("Address already in use") != std::string::npos) {
        return Error::Unavailable("port_taken", "port " + std::to_string(port) + " was taken");
      }
      return Failed("postgres exited while starting:\n" + LogTail(log));
    }
    if (PQping(conninfo.c_str()) == PQPING_OK) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return Failed("postgres did not accept connections within 60 s:\n" + LogTail(log));
}

PostgresServer::~PostgresServer() {
  Stop();
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown: ends the sessions, checkpoints, exits
  if (!WaitExit(pid_, std::chrono::seconds(10))) {
    ::kill(-pid_, SIGKILL);  // the whole process group: the postmaster and its children
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

Status PostgresServer::Restart() {
  if (pid_ > 0) return {};
  return Launch(port_);
}

std::string PostgresServer::Url(std::string_view db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(db);
}

Result<std::string> PostgresServer::CreateDatabase() {
  const std::string name =
      "psm_test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  auto admin = pg::Connection::Open(Url("postgres"), "");
  if (!admin.ok()) return admin.error();
  if (auto s = admin->Exec("CREATE DATABASE " + name + " ENCODING 'UTF8'"); !s.ok()) {
    return s.error();
  }
  return name;
}

Status PostgresServer::DropDatabase(std::string_view name) {
  auto admin = pg::Connection::Open(Url("postgres"), "");
  if (!admin.ok()) return admin.error();
  return admin->Exec("DROP DATABASE IF EXISTS " + std::string(name) + " WITH (FORCE)");
}

PostgresServer* SharedPostgresServer(std::string* error) {
  // Started by the first caller; the static's destructor stops it when the binary exits.
  static const auto shared = [] {
    std::pair<std::unique_ptr<PostgresServer>, std::string> out;
    auto started = PostgresServer::Start();
    if (started.ok()) {
      out.first = std::move(*started);
    } else {
      out.second = started.error().detail;
    }
    return out;
  }();
  if (!shared.first && error != nullptr) *error = shared.second;
  return shared.first.get();
}

}  // namespace psm::testing
