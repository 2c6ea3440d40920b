// RAII wrappers over the SQLite C API: a connection, a prepared statement and a write
// transaction, all reporting failures as psm::Error instead of return codes.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace psm::sqlite {

// Maps an SQLite result code to an Error: BUSY/LOCKED/FULL/IOERR/CANTOPEN are kUnavailable
// (a retry may succeed), CONSTRAINT is kConflict (the input contradicts stored rows), anything
// else is kInternal. `what` names the operation for the detail text.
Error MakeSqliteError(sqlite3* db, int rc, std::string_view what);

// One prepared statement. Move-only; finalizes on destruction. Not thread-safe.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds 1-based parameter `i`. Text is copied by SQLite unless `copy` is false, in which case
  // the caller keeps it alive until the statement is reset (the bulk loaders use this).
  void BindInt(int i, std::int64_t v);
  void BindDouble(int i, double v);
  void BindText(int i, std::string_view v, bool copy = true);
  void BindNull(int i);

  // Advances the statement. Returns true when a row is available, false when done. For a query
  // of at most one row; to read many, use ForEachRow.
  Result<bool> Step();
  // Steps through every remaining row, calling `on_row(const Statement&)` with the statement on
  // that row (read it with Int, Text, …). on_row returns void (go on), Status (an error stops the
  // walk and is returned) or Result<bool> (likewise, and false stops early without an error).
  // Returns the first error of a step or of on_row, else OK.
  template <class OnRow>
  Status ForEachRow(OnRow&& on_row);
  // Every remaining row as a value: `to_value(const Statement&)` returns T, or Result<T> (an
  // error stops the walk and is returned). The loaders' one way to read a table.
  template <class ToValue>
  auto CollectRows(ToValue&& to_value);
  // Runs a statement that returns no rows to completion.
  Status Run();
  // Clears the bindings and rewinds, ready for reuse.
  void Reset();

  // Column readers (0-based). NULL reads as 0 / "" so odd rows never crash a reader.
  std::int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

template <class OnRow>
Status Statement::ForEachRow(OnRow&& on_row) {
  using Returned = std::invoke_result_t<OnRow&, const Statement&>;
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return {};
    if constexpr (std::is_void_v<Returned>) {
      on_row(std::as_const(*this));
    } else if constexpr (std::is_same_v<Returned, Status>) {
      if (Status st = on_row(std::as_const(*this)); !st.ok()) return st;
    } else {
      static_assert(std::is_same_v<Returned, Result<bool>>,
                    "on_row returns void, Status or Result<bool>");
      auto go_on = on_row(std::as_const(*this));
      if (!go_on.ok()) return go_on.error();
      if (!*go_on) return {};
    }
  }
}

namespace detail {
template <class T>
struct RowValue {
  using type = T;
};
template <class T>
struct RowValue<Result<T>> {
  using type = T;
};
}  // namespace detail

template <class ToValue>
auto Statement::CollectRows(ToValue&& to_value) {
  using Returned = std::invoke_result_t<ToValue&, const Statement&>;
  using T = typename detail::RowValue<Returned>::type;
  std::vector<T> out;
  const Status read = ForEachRow([&](const Statement& row) -> Status {
    if constexpr (std::is_same_v<Returned, T>) {
      out.push_back(to_value(row));
    } else {
      auto value = to_value(row);
      if (!value.ok()) return value.error();
      out.push_back(std::move(value).value());
    }
    return {};
  });
  return read.ok() ? Result<std::vector<T>>(std::move(out)) : Result<std::vector<T>>(read.error());
}

// An open connection. Move-only; closes on destruction. Not thread-safe.
class Connection {
 public:
  // Opens (creating if needed) the database file at `path` for reading and writing.
  static Result<Connection> Open(const std::string& path);

  Connection() = default;
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  // Runs one or more `;`-separated statements that return no rows.
  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // Runs a query expected to return one row and returns its first column as text / integer.
  Result<std::string> QueryText(std::string_view sql);
  Result<std::int64_t> QueryInt(std::string_view sql);
  sqlite3* get() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

// A write transaction begun with BEGIN IMMEDIATE, so the write lock is taken (waiting up to the
// busy timeout) before anything is read: a deferred transaction that upgrades later can fail
// with SQLITE_BUSY without waiting. Rolls back on destruction unless committed.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  // Commits; with synchronous=FULL this returns only after the WAL is fsynced.
  Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace psm::sqlite
