// A throwaway PostgreSQL server for tests: initdb, postgres on a free port, readiness by PQping,
// and a stop by PID. Processes are started with fork/exec so the PID held is the postmaster's.
#include "store/testing/postgres_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "store/postgres/connection.hpp"

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

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The last lines of the server's log, for a failure message.
std::string LogTail(const std::filesystem::path& log) {
  std::string text = ReadFile(log);
  constexpr std::size_t kMax = 3000;
  if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
  return text.empty() ? "(empty log)" : text;
}

// A port the kernel just found free on 127.0.0.1. Another process may take it before the
// server binds it; Start then tries another.
Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failed(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return Failed(std::string("bind: ") + std::strerror(err));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Forks and execs argv[0] with stdout and stderr appended to `log`, in `cwd`, as `as`. The child
// gets its own process group (so a SIGKILL reaches every process the server started) and, when
// `die_with_parent`, SIGINT (a fast shutdown) if this process dies without stopping it.
Result<pid_t> Spawn(const std::vector<std::string>& args, const RunAs& as,
                    const std::filesystem::path& log, const std::filesystem::path& cwd,
                    bool die_with_parent) {
  // Everything the child needs is prepared before fork: after it, only system calls.
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string cwd_text = cwd.string();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Failed("open " + log.string() + ": " + std::strerror(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return Failed(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (::chdir(cwd_text.c_str()) != 0) ::_exit(126);
    if (as.switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0) {
        ::_exit(126);
      }
    }
    // Set after the user change, which clears it.
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGINT);
      if (::getppid() != parent) ::_exit(1);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  return pid;
}

// Waits for `pid` to exit, up to `limit`; its exit status, or nullopt if it is still running.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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
                      as, log, root, false);
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
    auto port = FreePort();
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
                   *as, log, root, true);
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
