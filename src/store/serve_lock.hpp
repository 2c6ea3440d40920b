// One server per store: a second `psm serve` on the same SQLite file would keep its own ledgers
// in memory and commit reports the first never sees. Admin commands do not take this lock.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace psm {

// Held by `psm serve` while it serves a store. Move-only; released on destruction, and by the
// kernel when the process dies, so a crash never leaves a store locked.
class ServeLock {
 public:
  ServeLock() = default;
  ServeLock(ServeLock&& other) noexcept;
  ServeLock& operator=(ServeLock&& other) noexcept;
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;
  ~ServeLock();

  // For "sqlite:PATH": an exclusive flock(2) on PATH + ".serve-lock", which then holds this
  // process's PID. kConflict (reason "store_in_use") naming the store and the serving process's
  // PID when another process holds it; kUnavailable when the lock file cannot be opened. Other
  // stores (and "sqlite::memory:") need no lock: an empty one is returned. Blocks only on the
  // file system, never waits for the lock.
  static Result<ServeLock> Take(std::string_view store_url);

  // The lock file's path; empty for an empty lock.
  const std::string& path() const { return path_; }

 private:
  ServeLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace psm
