// RAII wrappers over libpq: a connection that reconnects between calls, query results, text
// parameters (arrays included), prepared statements, COPY FROM STDIN and a transaction, all
// reporting failures as psm::Error instead of status codes.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/result.hpp"

namespace psm::pg {

// The error for a text value with a NUL character, which PostgreSQL cannot store.
Error NulInText(std::string_view what);

// Maps a failed result to an Error by its SQLSTATE: a lost or refused connection (no SQLSTATE
// and a bad connection, class 08, 57P0x), a read-only server (25006), lock timeouts, deadlocks
// and serialization failures are kUnavailable (a retry may succeed: "store_unavailable",
// "store_read_only", "store_busy", "store_full"); integrity violations (class 23) are kConflict
// ("store_constraint"); data exceptions (class 22) are kInvalid ("store_invalid_value");
// anything else is kInternal ("store_error"). `what` names the operation for the detail text.
Error MakePgError(PGconn* conn, const PGresult* result, std::string_view what);

// One query result, in text format. Move-only; PQclear on destruction.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result) {}

  int size() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool empty() const { return size() == 0; }
  // Column readers (0-based). NULL reads as 0 / "" / false, so odd rows never crash a reader
  // (the server's text form of a bigint or double always parses).
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view View(int row, int col) const;
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  std::int64_t Int(int row, int col) const;
  double Double(int row, int col) const;
  bool Bool(int row, int col) const { return View(row, col) == "t"; }
  // The command's tag, e.g. "INSERT 0 3".
  std::string_view CommandStatus() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// Parameters of one statement, sent as text ($1, $2, ... in order of Add*).
class Params {
 public:
  // PostgreSQL's text cannot hold a NUL character (and libpq would cut the value there): a
  // statement given one fails as kInvalid ("store_invalid_value") before it is sent.
  Params& Text(std::string_view v);
  Params& Int(std::int64_t v);
  Params& Double(double v);
  Params& Bool(bool v) { return Text(v ? "t" : "f"); }
  Params& Null();
  int size() const { return static_cast<int>(values_.size()); }
  // The values for libpq (nullptr for NULL), valid until the next call that adds one.
  const char* const* values() const;
  bool has_nul() const { return has_nul_; }

 private:
  bool has_nul_ = false;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  mutable std::vector<const char*> pointers_;
};

// A one-dimensional array literal for a `$n::text[]` or `$n::bigint[]` parameter, so one
// prepared statement takes a batch of any size (INSERT ... SELECT FROM unnest($1, $2, ...)).
class ArrayParam {
 public:
  ArrayParam() : text_("{") {}
  void Text(std::string_view v);
  void Int(std::int64_t v);
  void Double(double v);
  void Null();
  // The literal, e.g. {"a","b\"c",NULL}; the builder is reset.
  std::string Finish();

 private:
  void Separator();
  std::string text_;
  bool first_ = true;
};

// A statement prepared once per connection under `name`, on first use (and again after a
// reconnect).
struct PreparedSql {
  const char* name;
  const char* sql;
};

// How long one call waits for the server's answer before it gives up on the session. TCP
// keepalives end a session whose server machine is gone, but not one whose machine is up while
// PostgreSQL does not answer (a hung or stopped process: its kernel still acknowledges every
// packet); without a deadline a node would wait on such a primary after Patroni promoted the
// standby. 30 s: six times the longest statement psm runs here (an import's update of a whole
// district's roll, about 5 s), and a frozen primary then costs writes about 35 s (the deadline,
// then connect_timeout on its host) instead of for ever.
inline constexpr std::chrono::milliseconds kCallTimeout{30'000};

// An open connection. Move-only; closes on destruction. Not thread-safe.
class Connection {
 public:
  // Connects with `url` (a postgresql:// or postgres:// URI, or a key=value string), passed to
  // libpq as given, so several hosts and parameters such as target_session_attrs work. Unless
  // the URL says otherwise, the attempt gives up after connect_timeout=5 s per host. Each
  // session then runs `setup` (e.g. SET synchronous_commit). kUnavailable when no server
  // answers.
  static Result<Connection> Open(const std::string& url, std::string setup);

  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one or more `;`-separated statements without parameters.
  Status Exec(std::string_view sql);
  // Runs one statement with parameters and returns its rows (none for a command).
  Result<Rows> Query(std::string_view sql, const Params& params = {});
  // Runs a prepared statement, preparing it first on this session if needed.
  Result<Rows> Run(const PreparedSql& stmt, const Params& params);
  // COPY ... FROM STDIN in three steps: CopyBegin runs `copy_sql`, CopySend sends data in the
  // COPY's format (pieces of any size), CopyEnd ends the copy and returns the server's verdict.
  // Once CopyBegin succeeded, CopyEnd must be called, also after a failed CopySend; with
  // `abort_reason` it makes the server refuse the copy.
  Status CopyBegin(std::string_view copy_sql);
  Status CopySend(std::string_view data);
  Status CopyEnd(const char* abort_reason = nullptr);

  // True inside BEGIN ... COMMIT (or an aborted transaction).
  bool InTransaction() const;
  PGconn* get() const { return conn_.get(); }
  // Which server session this is: 1 after Open, one more after each reconnect. A session's
  // state (an advisory lock, prepared statements) does not survive into the next one.
  std::uint64_t session() const { return session_; }
  // The deadline of each call (kCallTimeout by default; tests shorten it). A call that passes
  // it is kUnavailable and drops the session: the next call reconnects.
  void set_call_timeout(std::chrono::milliseconds timeout) { call_timeout_ = timeout; }

 private:
  friend class Transaction;
  // Before a statement outside a transaction: reconnects a connection that broke since the
  // last call (the server restarted, a failover moved the primary), and prepares again. A
  // broken connection inside a transaction is an error: the transaction is gone.
  Status Ready();
  Status Setup();
  // After a PQsend* call that returned `sent`: waits for its results within the call timeout
  // and returns the last one (or the first COPY result), like PQexec. nullptr when the send
  // failed, or when the deadline passed: then the session is abandoned.
  PGresult* Await(int sent);
  Result<Rows> Check(PGresult* result, std::string_view what);

  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
  std::string setup_;
  std::unordered_set<std::string> prepared_;  // names prepared on this session
  std::uint64_t session_ = 0;
  bool in_transaction_ = false;  // a Transaction is open on this connection
  bool abandoned_ = false;       // a call passed its deadline: the session is not used again
  std::chrono::milliseconds call_timeout_ = kCallTimeout;
};

// BEGIN ... COMMIT. Rolls back on destruction unless committed. `begin` may carry options,
// e.g. "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn, std::string_view begin = "BEGIN");
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  // Commits; with synchronous_commit on this returns only after the commit record is flushed.
  // A COMMIT whose outcome is unknown (the connection broke) is kUnavailable.
  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace psm::pg
