// A throwaway redis-server for tests: fork/exec (so the PID held is the server's), readiness by
// PING, a stop by PID.
#include "redis/testing/redis_server.hpp"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "support/child_process.hpp"

namespace psm::testing {
namespace {

using Steady = std::chrono::steady_clock;

constexpr const char* kDefaultBinary = "/usr/bin/redis-server";

Error Failed(std::string detail) {
  return Error::Unavailable("redis_test_server", std::move(detail));
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
    auto port = FreeLoopbackPort("redis_test_server");
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
            SpawnOptions{.log = log, .death_signal = SIGTERM, .error_reason = "redis_test_server"});
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
