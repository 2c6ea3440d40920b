// Test support: the processes tests start (throwaway PostgreSQL and Redis servers): a free
// loopback port, fork/exec with the output in a log (so the PID held is the server's), a bounded
// wait for exit, and the log's tail for a failure message.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace psm::testing {

// A port the kernel just found free on 127.0.0.1. Another process may take it before a server
// binds it: callers try again when the server says so. Errors are kUnavailable `error_reason`.
Result<int> FreeLoopbackPort(const std::string& error_reason);

struct SpawnOptions {
  std::filesystem::path log;  // stdout and stderr are appended here; stdin is /dev/null
  std::filesystem::path cwd;  // empty: this process's
  std::optional<uid_t> uid;   // run as this user (and `gid`), e.g. postgres when root
  gid_t gid = 0;
  int death_signal = 0;  // sent to the child if this process dies first; 0: none
  std::string error_reason = "test_process";  // kUnavailable reason of a failure
};

// Forks and execs args[0] in a process group of its own (so a SIGKILL to -pid reaches every
// process the server started).
Result<pid_t> Spawn(const std::vector<std::string>& args, const SpawnOptions& options);

// Waits for `pid` to exit, up to `limit`: its wait status, -1 if it is not our child any more,
// or nullopt while it still runs.
std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds limit);

std::string ReadFile(const std::filesystem::path& path);
// The log from byte `from` on, cut to its last lines, for a failure message.
std::string LogTail(const std::filesystem::path& log, std::size_t from = 0);

}  // namespace psm::testing
