// The writer role of a psm cluster on one PostgreSQL: exactly one node at a time validates and
// commits reports and control-room commands. The role is a session advisory lock held by a
// dedicated connection, so it is lost the moment that session is (the server ends it, the
// network drops it, the process dies), and no other node can take it while it is held.
// On SQLite there is no lease: the one server is always the writer and ServeLock keeps a second
// server off the file.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.hpp"

namespace psm {

// pg_try_advisory_lock's key for psm's writer role: "psmwritr" as a big-endian 64-bit integer.
inline constexpr std::int64_t kWriterLockKey = 0x70736d7772697472;

struct WriterLeaseOptions {
  // How often the holder checks its session with a cheap query, and a node without the role
  // tries to take it. A lost session is noticed within about this long (plus the socket
  // timeout below when the network, not the server, failed).
  std::chrono::milliseconds interval{250};
  std::int64_t key = kWriterLockKey;
};

// A background thread that takes and keeps the writer role. Thread-safe.
class WriterLease {
 public:
  // Called on the lease's thread when the role is gained (true) or lost (false). While it runs
  // the lease is not checked: a node that must load before committing does so here, and may
  // call GiveUp() on the lease it is given.
  using OnChange = std::function<void(WriterLease& lease, bool held)>;

  // Connects to `url` (the store's URL; TCP keepalives and tcp_user_timeout are added so a dead
  // network fails a check within about a second), makes one attempt to take the role (so
  // held() says at once whether this node starts as the writer; `on_change` is not called for
  // it), then starts the thread. kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<WriterLease>> Start(const std::string& url,
                                                    WriterLeaseOptions options, OnChange on_change);
  ~WriterLease();
  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;

  // Whether this node holds the role as of the last check: false from the check that found the
  // session gone. Never blocks.
  bool held() const { return held_.load(); }
  // The PostgreSQL backend PID of the lease's session (for tests and logs), 0 when not connected.
  int backend_pid() const { return backend_pid_.load(); }
  // Stops the thread and closes the session, which releases the role; held() is false from
  // then on. Idempotent.
  void Stop();
  // Releases the role (if held) and never tries to take it again: for a node that lost the role
  // and cannot serve as the writer again without a restart. The thread keeps running idle.
  void GiveUp();

  // `url` with the connection options that bound how long a check can hang on a dead network.
  static std::string WithSocketTimeouts(const std::string& url);

 private:
  struct Session;
  WriterLease(std::string url, WriterLeaseOptions options, OnChange on_change);
  void Run();
  // One check or attempt; calls on_change_ when the role changed.
  void Tick();
  bool TryTake();
  bool StillHeld();
  void Drop();

  std::string url_;
  WriterLeaseOptions options_;
  OnChange on_change_;
  std::unique_ptr<Session> session_;  // the lease's thread only (and Start before it runs)
  std::atomic<bool> held_{false};
  std::atomic<int> backend_pid_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool given_up_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace psm
