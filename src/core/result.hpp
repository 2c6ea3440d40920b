// Result<T>: a value or an Error that says what went wrong and how a caller should map it.
// core/ and store/ return these instead of throwing; http/ maps ErrorCode to a status once.
#pragma once

#include <cassert>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace psm {

// What kind of failure happened; http/problem.cpp maps each to one HTTP status.
enum class ErrorCode {
  kInvalid,       // input is malformed or out of range (422 / 400)
  kConflict,      // input contradicts stored state (409)
  kNotFound,      // the thing named does not exist (404)
  kUnauthorized,  // no or bad credentials (401)
  kForbidden,     // credentials fine, action not allowed (403)
  kLocked,        // temporarily refused, e.g. PIN lockout (429 / 423)
  kUnavailable,   // a dependency is down or shutting down (503)
  kInternal,      // a bug or an unexpected I/O failure (500)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  // Short machine-readable reason, e.g. "turnout_decreased"; used in metrics and problem types.
  std::string reason;
  // Human-readable sentence for the problem+json `detail`.
  std::string detail;
  // For kLocked and kUnavailable: when the caller may try again (the Retry-After header); zero
  // when the error does not say.
  std::chrono::seconds retry_after{0};

  // Named constructors, one per kind (as leveldb's Status::NotFound), so a call site says what
  // went wrong rather than spelling an ErrorCode.
  static Error Invalid(std::string reason, std::string detail) {
    return {ErrorCode::kInvalid, std::move(reason), std::move(detail)};
  }
  static Error Conflict(std::string reason, std::string detail) {
    return {ErrorCode::kConflict, std::move(reason), std::move(detail)};
  }
  static Error NotFound(std::string reason, std::string detail) {
    return {ErrorCode::kNotFound, std::move(reason), std::move(detail)};
  }
  static Error Unauthorized(std::string reason, std::string detail) {
    return {ErrorCode::kUnauthorized, std::move(reason), std::move(detail)};
  }
  static Error Forbidden(std::string reason, std::string detail) {
    return {ErrorCode::kForbidden, std::move(reason), std::move(detail)};
  }
  static Error Locked(std::string reason, std::string detail) {
    return {ErrorCode::kLocked, std::move(reason), std::move(detail)};
  }
  static Error Unavailable(std::string reason, std::string detail) {
    return {ErrorCode::kUnavailable, std::move(reason), std::move(detail)};
  }
  static Error Internal(std::string reason, std::string detail) {
    return {ErrorCode::kInternal, std::move(reason), std::move(detail)};
  }
};

// The errors many layers name alike.
inline Error UnknownStation(std::string_view id) {
  return Error::NotFound("unknown_station", "no polling station " + std::string(id));
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace psm
