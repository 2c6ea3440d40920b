// Test support: a throwaway redis-server on 127.0.0.1 and a free port, in a fresh temporary
// folder, without persistence; stopped by PID (SIGTERM) and started again on the same port for
// tests of "Redis went away and came back", and always stopped by its destructor.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/result.hpp"
#include "support/temp_dir.hpp"

namespace psm::testing {

class RedisServer {
 public:
  // Starts redis-server and waits until it answers PING. kUnavailable with a clear message when
  // the binary is missing (Debian package redis-server; `make setup` installs it) or the server
  // does not come up (its log is quoted). The binary is $PSM_REDIS_SERVER, else
  // /usr/bin/redis-server.
  static Result<std::unique_ptr<RedisServer>> Start();

  // Stops the server if it runs; the folder goes with the TempDir.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // SIGTERM, then waits for the process to exit (SIGKILL after 10 s). Connections are closed by
  // the kernel as the process ends. Idempotent.
  void Stop();
  // Starts the stopped server again on the same port (a no-op while it runs). Its data is gone:
  // nothing is persisted.
  Status Restart();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // redis://127.0.0.1:PORT
  std::string Url() const;

 private:
  RedisServer() = default;
  // One attempt to start on `port`: kUnavailable "port_taken" when another process has it.
  Status Launch(int port);

  std::unique_ptr<TempDir> dir_;
  std::string binary_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace psm::testing
