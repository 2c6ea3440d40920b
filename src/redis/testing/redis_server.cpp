// A throwaway redis-server for tests: fork/exec (so the PID held is the server's), readiness by
// PING, a stop by PID.
#include "redis/testing/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace psm::testing {
namespace {

using Steady = std::chrono::steady_clock;

constexpr const char* kDefaultBinary = "/usr/bin/redis-server";

Error Failed(std::string detail) {
  return Error::Unavailable("redis_test_server", std::move(detail));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The log from `from` on, cut to its last lines, for a failure message.
std::string LogTail(const std::filesystem::path& log, std::size_t from) {
  std::string text = ReadFile(log);
  text = text.size() > from ? text.substr(from) : "";
  constexpr std::size_t kMax = 3000;
  if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
  return text.empty() ? "(empty log)" : text;
}

// A port the kernel just found free on 127.0.0.1; another process may take it before the server
// binds it, so Start tries again on "port_taken".
Result<int> FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failed(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

// Forks and execs args[0] with stdout and stderr appended to `log`. The server gets SIGTERM if
// this process dies without stopping it.
Result<pid_t> Spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;  // prepared before fork: after it, only system calls
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
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
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  return pid;
}

// Waits for `pid` to exit, up to `limit`; its status, or nullopt while it still runs.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = Steady::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    if (Steady::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool AnswersPing(int port) {
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, timeval{0, 200000});
  bool ok = false;
  if (c != nullptr && c->err == 0) {
    redisSetTimeout(c, timeval{0, 500000});
    auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
         std::string_view(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (c != nullptr) redisFree(c);
  return ok;
}

}  // namespace

Result<std::unique_ptr<RedisServer>> RedisServer::Start() {
  std::unique_ptr<RedisServer> server(new RedisServer());
  const char* env = std::getenv("PSM_REDIS_SERVER");
  server->binary_ = env != nullptr && *env != '\0' ? env : kDefaultBinary;
  if (::access(server->binary_.c_str(), X_OK) != 0) {
    return Failed("redis-server not found at " + server->binary_ +
                  ". The Redis tests need it installed (Debian package redis-server; `make "
                  "setup` installs it), or PSM_REDIS_SERVER set to the binary.");
  }
  server->dir_ = std::make_unique<TempDir>();
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

Status RedisServer::Launch(int port) {
  const auto& root = dir_->path();
  const auto log = root / "redis.log";
  const std::size_t log_start = ReadFile(log).size();
  auto pid =
      Spawn({binary_, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", root.string(), "--daemonize", "no", "--logfile", ""},
            log);
  if (!pid.ok()) return pid.error();
  pid_ = *pid;
  port_ = port;
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (Steady::now() < deadline) {
    if (WaitExit(pid_, std::chrono::milliseconds(0))) {
      pid_ = -1;
      const std::string tail = LogTail(log, log_start);
      if (tail.find("Address already in use") != std::string::npos) {
        return Error::Unavailable("port_taken", "port " + std::to_string(port) + " was taken");
      }
      return Failed("redis-server exited while starting:\n" + tail);
    }
    if (AnswersPing(port)) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Stop();
  return Failed("redis-server did not answer PING within 10 s:\n" + LogTail(log, log_start));
}

RedisServer::~RedisServer() {
  Stop();
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!WaitExit(pid_, std::chrono::seconds(10))) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

Status RedisServer::Restart() {
  if (pid_ > 0) return {};
  // The port was ours a moment ago; another process taking it meanwhile is rare, so wait a
  // little for it rather than fail at once.
  Status launched;
  for (int attempt = 0; attempt < 20; ++attempt) {
    launched = Launch(port_);
    if (launched.ok() || launched.error().reason != "port_taken") return launched;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return launched;
}

std::string RedisServer::Url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

}  // namespace psm::testing
