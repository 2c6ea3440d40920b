// Test support: a throwaway PostgreSQL 15 server, started by the test itself — initdb into a
// fresh temporary folder, on 127.0.0.1 and a free port, with its own Unix socket folder — and
// stopped by PID and removed with its files when done. As root it runs as the `postgres` system
// user (PostgreSQL refuses root); otherwise as the current user.
//
// Settings for test speed only: fsync=off and full_page_writes=off (a crash of the test
// machine loses the throwaway data, nothing else). synchronous_commit stays on, so the store
// behaves as in production.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "support/temp_dir.hpp"

namespace psm::testing {

class PostgresServer {
 public:
  // initdb and start, waiting until the server accepts connections. kUnavailable with a clear
  // message when the PostgreSQL binaries are missing (install postgresql-15: `make setup`) or
  // the server does not come up (its log is quoted). The binaries are looked for in
  // $PSM_POSTGRES_BIN, else /usr/lib/postgresql/15/bin.
  static Result<std::unique_ptr<PostgresServer>> Start();

  // Stops the server (if running) and removes its folder.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Fast shutdown (SIGINT: sessions are ended, the server exits cleanly), then SIGKILL to its
  // process group when it has not exited after 10 s. Idempotent.
  void Stop();
  // Starts the stopped server again on the same port, with the same data.
  Status Restart();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // postgresql://postgres@127.0.0.1:PORT/DB (trust authentication on loopback).
  std::string Url(std::string_view db) const;

  // Creates a fresh, empty UTF8 database with a new name and returns its name.
  Result<std::string> CreateDatabase();
  // Drops it, ending any session still connected to it.
  Status DropDatabase(std::string_view name);

 private:
  PostgresServer() = default;
  // One attempt to start on `port`: kUnavailable "port_taken" when another process has it.
  Status Launch(int port);

  std::unique_ptr<TempDir> dir_;
  std::string bin_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// The test binary's one server, started on first use and stopped at exit. Returns nullptr and
// sets `error` when it cannot start (the caller fails the test with that message).
PostgresServer* SharedPostgresServer(std::string* error);

}  // namespace psm::testing
