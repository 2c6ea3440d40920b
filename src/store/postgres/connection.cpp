// libpq RAII wrappers and the one mapping from SQLSTATEs to psm errors.
#include "store/postgres/connection.hpp"

#include <poll.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <utility>

namespace psm::pg {
namespace {

std::string Trimmed(const char* message) {
  std::string out = message != nullptr ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Waits until the connection's socket is readable; false once `deadline` has passed first.
// A socket error counts as readable: libpq then reports it.
bool WaitReadable(PGconn* conn, std::chrono::steady_clock::time_point deadline) {
  const int fd = PQsocket(conn);
  if (fd < 0) return true;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
    if (r > 0 || (r < 0 && errno != EINTR)) return true;
  }
}

}  // namespace

Error NulInText(std::string_view what) {
  return Error::Invalid("store_invalid_value",
                        std::string(what) + ": PostgreSQL text cannot hold a NUL character");
}

Error MakePgError(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  const char* message = result != nullptr ? PQresultErrorMessage(result) : nullptr;
  if (message == nullptr || *message == '\0') {
    message = conn != nullptr ? PQerrorMessage(conn) : "no connection";
  }
  detail += Trimmed(message);
  const char* field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view state = field != nullptr ? field : "";
  if (state.empty()) {  // raised by libpq itself: nearly always a lost connection
    if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
      return Error::Unavailable("store_unavailable", std::move(detail));
    }
    return Error::Internal("store_error", std::move(detail));
  }
  // admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped: the server is going.
  if (StartsWith(state, "08") || StartsWith(state, "57P")) {
    return Error::Unavailable("store_unavailable", std::move(detail));
  }
  if (state == "25006") {  // read_only_sql_transaction: connected to a standby
    return Error::Unavailable("store_read_only", std::move(detail));
  }
  if (state == "53100") return Error::Unavailable("store_full", std::move(detail));
  // insufficient resources, serialization failure, deadlock, lock timeout, statement timeout
  if (StartsWith(state, "53") || state == "40001" || state == "40P01" || state == "55P03" ||
      state == "57014") {
    return Error::Unavailable("store_busy", std::move(detail));
  }
  if (StartsWith(state, "23")) return Error::Conflict("store_constraint", std::move(detail));
  if (StartsWith(state, "22")) return Error::Invalid("store_invalid_value", std::move(detail));
  if (state == "XX001" || state == "XX002") {
    return Error::Internal("store_corrupt", std::move(detail));
  }
  return Error::Internal("store_error", std::move(detail));
}

std::string_view Rows::View(int row, int col) const {
  const char* p = PQgetvalue(result_.get(), row, col);
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<std::size_t>(PQgetlength(result_.get(), row, col)));
}

std::int64_t Rows::Int(int row, int col) const {
  const std::string_view v = View(row, col);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double Rows::Double(int row, int col) const {
  const std::string_view v = View(row, col);
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

std::string_view Rows::CommandStatus() const {
  if (!result_) return {};
  const char* s = PQcmdStatus(result_.get());
  return s != nullptr ? std::string_view(s) : std::string_view();
}

Params& Params::Text(std::string_view v) {
  if (v.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(v);
  null_.push_back(false);
  return *this;
}

Params& Params::Int(std::int64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return Text(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

Params& Params::Double(double v) {
  // The shortest text that reads back as the same double.
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return Text(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

Params& Params::Null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

const char* const* Params::values() const {
  pointers_.resize(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) {
    pointers_[i] = null_[i] ? nullptr : values_[i].c_str();
  }
  return pointers_.data();
}

void ArrayParam::Separator() {
  if (!first_) text_ += ',';
  first_ = false;
}

void ArrayParam::Text(std::string_view v) {
  Separator();
  text_ += '"';
  for (const char c : v) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void ArrayParam::Int(std::int64_t v) {
  Separator();
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  text_.append(buf, end);
}

void ArrayParam::Double(double v) {
  Separator();
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  text_.append(buf, end);
}

void ArrayParam::Null() {
  Separator();
  text_ += "NULL";
}

std::string ArrayParam::Finish() {
  std::string out = std::move(text_);
  out += '}';
  text_ = "{";
  first_ = true;
  return out;
}

Result<Connection> Connection::Open(const std::string& url, std::string setup) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string why = parse_error != nullptr ? Trimmed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Error::Invalid("store_url", "bad PostgreSQL URL: " + why);
  }
  PQconninfoFree(parsed);
  // Keywords before dbname are defaults the URL (expanded in dbname's place) may override.
  // TCP keepalives and tcp_user_timeout make a dead network fail a call within seconds instead
  // of the kernel's minutes: a writer whose session is gone must find out before it commits
  // again (docs/architecture.md, "One writer").
  const char* const keys[] = {"connect_timeout",
                              "fallback_application_name",
                              "keepalives",
                              "keepalives_idle",
                              "keepalives_interval",
                              "keepalives_count",
                              "tcp_user_timeout",
                              "dbname",
                              nullptr};
  const char* const values[] = {"5", "psm", "1", "2", "1", "3", "5000", url.c_str(), nullptr};
  Connection conn;
  conn.conn_.reset(PQconnectdbParams(keys, values, 1));
  conn.setup_ = std::move(setup);
  if (!conn.conn_) return Error::Unavailable("store_unavailable", "libpq: out of memory");
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    return Error::Unavailable("store_unavailable", "cannot connect to PostgreSQL: " +
                                                       Trimmed(PQerrorMessage(conn.conn_.get())));
  }
  if (auto s = conn.Setup(); !s.ok()) return s.error();
  conn.session_ = 1;
  return conn;
}

Status Connection::Setup() {
  // Notices (e.g. "relation already exists, skipping") are not errors; libpq would print them.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
  prepared_.clear();
  if (setup_.empty()) return {};
  auto r = Check(Await(PQsendQuery(conn_.get(), setup_.c_str())), "session setup");
  if (!r.ok()) return r.error();
  return {};
}

Status Connection::Ready() {
  if (!conn_) return Error::Unavailable("store_unavailable", "not connected");
  if (PQstatus(conn_.get()) == CONNECTION_OK && !abandoned_) return {};
  if (in_transaction_) {
    return Error::Unavailable("store_unavailable",
                              "the connection to PostgreSQL broke inside a transaction");
  }
  PQreset(conn_.get());  // closes the old socket, then runs the host list again
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Error::Unavailable("store_unavailable", "cannot reconnect to PostgreSQL: " +
                                                       Trimmed(PQerrorMessage(conn_.get())));
  }
  abandoned_ = false;
  ++session_;
  return Setup();
}

PGresult* Connection::Await(int sent) {
  if (sent != 1) return nullptr;
  PGconn* c = conn_.get();
  const auto deadline = std::chrono::steady_clock::now() + call_timeout_;
  PGresult* last = nullptr;
  for (;;) {
    while (PQisBusy(c) != 0) {
      if (!WaitReadable(c, deadline)) {
        // No answer in time: the server may never answer, and this session cannot be used
        // while a call is in flight. The next call reconnects (Ready()).
        PQclear(last);
        abandoned_ = true;
        return nullptr;
      }
      if (PQconsumeInput(c) == 0) break;  // the connection broke: PQgetResult says so
    }
    PGresult* r = PQgetResult(c);
    if (r == nullptr) return last;
    const ExecStatusType status = PQresultStatus(r);
    PQclear(last);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      return r;  // the COPY goes on: no further result until it ends
    }
    last = r;
  }
}

Result<Rows> Connection::Check(PGresult* result, std::string_view what) {
  if (result == nullptr && abandoned_) {
    return Error::Unavailable("store_unavailable",
                              std::string(what) + ": PostgreSQL did not answer within " +
                                  std::to_string(call_timeout_.count()) +
                                  " ms; the session is dropped and the next call reconnects");
  }
  Rows rows(result);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  return MakePgError(conn_.get(), result, what);
}

bool Connection::InTransaction() const {
  return conn_ && PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

Status Connection::Exec(std::string_view sql) {
  if (auto s = Ready(); !s.ok()) return s;
  const std::string text(sql);
  auto r = Check(Await(PQsendQuery(conn_.get(), text.c_str())), "exec");
  if (!r.ok()) return r.error();
  return {};
}

Result<Rows> Connection::Query(std::string_view sql, const Params& params) {
  if (params.has_nul()) return NulInText("query");
  if (auto s = Ready(); !s.ok()) return s.error();
  const std::string text(sql);
  return Check(Await(PQsendQueryParams(conn_.get(), text.c_str(), params.size(), nullptr,
                                       params.values(), nullptr, nullptr, 0)),
               "query");
}

Result<Rows> Connection::Run(const PreparedSql& stmt, const Params& params) {
  if (params.has_nul()) return NulInText(stmt.name);
  if (auto s = Ready(); !s.ok()) return s.error();
  if (!prepared_.contains(stmt.name)) {
    auto prepared =
        Check(Await(PQsendPrepare(conn_.get(), stmt.name, stmt.sql, 0, nullptr)), "prepare");
    if (!prepared.ok()) return prepared.error();
    prepared_.insert(stmt.name);
  }
  return Check(Await(PQsendQueryPrepared(conn_.get(), stmt.name, params.size(), params.values(),
                                         nullptr, nullptr, 0)),
               stmt.name);
}

Status Connection::CopyBegin(std::string_view copy_sql) {
  if (auto s = Ready(); !s.ok()) return s;
  const std::string text(copy_sql);
  PGresult* result = Await(PQsendQuery(conn_.get(), text.c_str()));
  if (result != nullptr && PQresultStatus(result) == PGRES_COPY_IN) {
    PQclear(result);
    return {};
  }
  auto r = Check(result, "copy");
  if (!r.ok()) return r.error();
  return Error::Internal("store_error", "copy: the server did not start a COPY FROM STDIN");
}

Status Connection::CopySend(std::string_view data) {
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    return MakePgError(conn_.get(), nullptr, "copy data");
  }
  return {};
}

Status Connection::CopyEnd(const char* abort_reason) {
  Status out;
  if (PQputCopyEnd(conn_.get(), abort_reason) != 1) {
    out = MakePgError(conn_.get(), nullptr, "copy end");
  }
  // The copy's verdict (the last result; a lost connection or no answer in time is one too).
  if (out.ok() || !abandoned_) {
    auto r = Check(Await(1), "copy");
    if (!r.ok() && out.ok() && abort_reason == nullptr) out = r.error();
  }
  if (abort_reason != nullptr && out.ok()) {
    return Error::Internal("store_error", std::string("copy aborted: ") + abort_reason);
  }
  return out;
}

Result<Transaction> Transaction::Begin(Connection& conn, std::string_view begin) {
  if (auto s = conn.Exec(begin); !s.ok()) return s.error();
  conn.in_transaction_ = true;
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ == nullptr) return;
  conn_->in_transaction_ = false;
  PGconn* c = conn_->get();
  // After an error the transaction is aborted but open; ROLLBACK leaves the session idle. A
  // broken or abandoned connection has nothing to roll back: the server ends the transaction
  // with the session.
  if (!conn_->abandoned_ && PQstatus(c) == CONNECTION_OK &&
      PQtransactionStatus(c) != PQTRANS_IDLE) {
    PQclear(conn_->Await(PQsendQuery(c, "ROLLBACK")));
  }
}

Status Transaction::Commit() {
  Connection* conn = std::exchange(conn_, nullptr);
  conn->in_transaction_ = false;
  if (conn->abandoned_) {
    return Error::Unavailable("store_unavailable", "commit: the session was dropped");
  }
  auto r = conn->Check(conn->Await(PQsendQuery(conn->get(), "COMMIT")), "commit");
  if (!r.ok()) {
    Error e = r.error();
    if (e.code == ErrorCode::kUnavailable) e.detail += " (the commit's outcome is unknown)";
    if (!conn->abandoned_ && PQstatus(conn->get()) == CONNECTION_OK &&
        PQtransactionStatus(conn->get()) != PQTRANS_IDLE) {
      PQclear(conn->Await(PQsendQuery(conn->get(), "ROLLBACK")));
    }
    return e;
  }
  // COMMIT of a transaction that had failed answers ROLLBACK.
  if (r->CommandStatus() != "COMMIT") {
    return Error::Internal("store_error", "commit: the transaction was rolled back");
  }
  return {};
}

}  // namespace psm::pg
