// flock(2) rather than fcntl locks: SQLite's own POSIX locks on the database would be dropped
// by any close of another descriptor of the same file, flock's are not, and they are separate.
#include "store/serve_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace psm {
namespace {

// The PID recorded in the lock file, or "" when it cannot be read (the holder may be writing it).
std::string RecordedPid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "";
  std::string pid(buf, static_cast<std::size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' '))
    pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

}  // namespace

ServeLock::ServeLock(ServeLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

ServeLock& ServeLock::operator=(ServeLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

ServeLock::~ServeLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

Result<ServeLock> ServeLock::Take(std::string_view store_url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (store_url.substr(0, kSqlite.size()) != kSqlite) return ServeLock();
  const std::string db(store_url.substr(kSqlite.size()));
  if (db.empty() || db == ":memory:") return ServeLock();
  std::string path = db + ".serve-lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error::Unavailable("store_io", "cannot open " + path + ": " + std::strerror(errno));
  }
  ServeLock lock(fd, path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      return Error::Unavailable("store_io", "cannot lock " + path + ": " + std::strerror(err));
    }
    // The holder writes its PID right after locking; give it a moment if we came in between.
    std::string pid = RecordedPid(fd);
    for (int tries = 0; pid.empty() && tries < 20; ++tries) {
      ::usleep(10'000);
      pid = RecordedPid(fd);
    }
    return Error::Conflict("store_in_use",
                           "the store " + std::string(store_url) + " is already served by psm" +
                               (pid.empty() ? std::string() : " (pid " + pid + ")") +
                               "; stop that server first, or give this one another --store");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    return Error::Unavailable("store_io", "cannot write " + path + ": " + std::strerror(errno));
  }
  return lock;
}

}  // namespace psm
