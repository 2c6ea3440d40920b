// SQLite RAII wrappers and the one mapping from SQLite result codes to psm errors.
#include "store/sqlite/statement.hpp"

#include <string>
#include <utility>

namespace psm::sqlite {

Error MakeSqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Unavailable("store_busy", std::move(detail));
    case SQLITE_FULL:
      return Error::Unavailable("store_full", std::move(detail));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Error::Unavailable("store_io", std::move(detail));
    case SQLITE_CONSTRAINT:
      return Error::Conflict("store_constraint", std::move(detail));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::Internal("store_corrupt", std::move(detail));
    default:
      return Error::Internal("store_error", std::move(detail));
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::BindInt(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
}
void Statement::BindDouble(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
}
void Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
}

void Statement::BindText(int i, std::string_view v, bool copy) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                    copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return MakeSqliteError(db_, rc, "step");
}

Status Statement::Run() {
  auto r = Step();
  if (!r.ok()) return r.error();
  return {};
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
double Statement::Double(int col) const {
  return sqlite3_column_double(stmt_, col);
}
bool Statement::IsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<Connection> Connection::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: a connection is only ever used by one thread at a time (see SqliteStore), so
  // SQLite's own per-call connection mutex is pure cost on the writer's hot path.
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection conn;
  conn.db_.reset(raw);  // sqlite3_open_v2 may hand back a handle even on failure
  if (rc != SQLITE_OK) return MakeSqliteError(raw, rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  return conn;
}

Status Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return MakeSqliteError(db_.get(), rc, "exec");
  return {};
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return MakeSqliteError(db_.get(), rc, "prepare");
  }
  return Statement(db_.get(), stmt);
}

namespace {

// The first column of the one row `sql` returns, read by `read`.
template <class T>
Result<T> QueryOne(Connection& conn, std::string_view sql, T (Statement::*read)(int) const) {
  auto stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  auto row = stmt->Step();
  if (!row.ok()) return row.error();
  if (!*row) return Error::Internal("store_error", "query returned no row");
  return ((*stmt).*read)(0);
}

}  // namespace

Result<std::string> Connection::QueryText(std::string_view sql) {
  return QueryOne(*this, sql, &Statement::Text);
}

Result<std::int64_t> Connection::QueryInt(std::string_view sql) {
  return QueryOne(*this, sql, &Statement::Int);
}

Result<Transaction> Transaction::Begin(Connection& conn) {
  auto s = conn.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s.error();
  return Transaction(&conn);
}

Transaction::~Transaction() {
  // After a failed COMMIT (e.g. SQLITE_BUSY) the transaction may still be open; after some
  // errors SQLite has already rolled back. Either way this leaves the connection idle.
  if (conn_ != nullptr && sqlite3_get_autocommit(conn_->get()) == 0) {
    (void)conn_->Exec("ROLLBACK");
  }
}

Status Transaction::Commit() {
  auto s = conn_->Exec("COMMIT");
  if (s.ok()) conn_ = nullptr;
  return s;
}

}  // namespace psm::sqlite
