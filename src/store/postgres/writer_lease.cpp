#include "store/postgres/writer_lease.hpp"

#include <string_view>
#include <utility>

#include "store/postgres/connection.hpp"

namespace psm {

struct WriterLease::Session {
  pg::Connection conn;
  int pid = 0;  // the backend that holds (or tried to take) the lock
};

namespace {

// Keepalives probe an idle socket every second and give up after two unanswered probes;
// tcp_user_timeout fails a send the server has not acknowledged within a second. Options the
// URL already sets win (libpq takes the last value of a repeated key in key=value form, and
// the URI form's query parameters are appended only when absent).
constexpr std::string_view kSocketOptions[][2] = {
    {"keepalives", "1"},
    {"keepalives_idle", "1"},
    {"keepalives_interval", "1"},
    {"keepalives_count", "2"},
    {"tcp_user_timeout", "1000"},
    {"connect_timeout", "2"},
    {"application_name", "psm-writer-lease"},
};

bool IsUri(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

}  // namespace

std::string WriterLease::WithSocketTimeouts(const std::string& url) {
  if (!IsUri(url)) {
    std::string out;
    for (const auto& [key, value] : kSocketOptions)
      out += std::string(key) + "=" + std::string(value) + " ";
    return out + url;  // later keys win: the URL's own settings stay
  }
  std::string out = url;
  const auto query = out.find('?');
  for (const auto& [key, value] : kSocketOptions) {
    if (query != std::string::npos && out.find(std::string(key) + "=", query) != std::string::npos)
      continue;
    out += (out.find('?') == std::string::npos ? "?" : "&");
    out += std::string(key) + "=" + std::string(value);
  }
  return out;
}

WriterLease::WriterLease(std::string url, WriterLeaseOptions options, OnChange on_change)
    : url_(std::move(url)), options_(options), on_change_(std::move(on_change)) {}

Result<std::unique_ptr<WriterLease>> WriterLease::Start(const std::string& url,
                                                        WriterLeaseOptions options,
                                                        OnChange on_change) {
  std::unique_ptr<WriterLease> lease(
      new WriterLease(WithSocketTimeouts(url), options, std::move(on_change)));
  auto conn = pg::Connection::Open(lease->url_, "");
  if (!conn.ok()) return conn.error();
  lease->session_ = std::make_unique<Session>(Session{std::move(conn).value(), 0});
  lease->held_ = lease->TryTake();
  lease->thread_ = std::thread([l = lease.get()] { l->Run(); });
  return lease;
}

WriterLease::~WriterLease() {
  Stop();
}

void WriterLease::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  held_ = false;
  Drop();  // closing the session releases the lock
}

void WriterLease::GiveUp() {
  {
    std::lock_guard lock(mu_);
    given_up_ = true;
  }
  cv_.notify_all();
}

void WriterLease::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
    if (stopping_) break;
    if (given_up_) {
      if (session_) {
        held_ = false;  // a node that gave up has already stopped committing
        lock.unlock();
        Drop();
        lock.lock();
      }
      continue;
    }
    lock.unlock();
    Tick();
    lock.lock();
  }
}

void WriterLease::Tick() {
  if (held_.load()) {
    if (StillHeld()) return;
    held_ = false;
    if (on_change_) on_change_(*this, false);
    return;
  }
  if (!TryTake()) return;
  held_ = true;
  if (on_change_) on_change_(*this, true);
}

bool WriterLease::TryTake() {
  if (!session_) {
    auto conn = pg::Connection::Open(url_, "");
    if (!conn.ok()) return false;
    session_ = std::make_unique<Session>(Session{std::move(conn).value(), 0});
  }
  auto rows = session_->conn.Query("SELECT pg_try_advisory_lock($1), pg_backend_pid()",
                                   pg::Params().Int(options_.key));
  if (!rows.ok() || rows->empty()) return false;  // the next attempt reconnects
  session_->pid = static_cast<int>(rows->Int(0, 1));
  backend_pid_ = session_->pid;
  return rows->Bool(0, 0);
}

bool WriterLease::StillHeld() {
  // A connection that broke is reconnected by Query, to a new backend that does not hold the
  // lock: comparing the backend PID catches that as well as a failed query.
  auto rows = session_->conn.Query("SELECT pg_backend_pid()");
  if (rows.ok() && !rows->empty() && rows->Int(0, 0) == session_->pid) return true;
  Drop();  // a new session next time: the old one's lock, if it survives anywhere, is not ours
  return false;
}

void WriterLease::Drop() {
  session_.reset();
  backend_pid_ = 0;
}

}  // namespace psm
