// A Redis reply as a plain owned value, so no hiredis object outlives the call that read it.
#pragma once

#include <string>
#include <vector>

struct redisReply;  // hiredis

namespace psm::redis {

struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray, kError };
  Type type = Type::kNil;
  long long integer = 0;        // kInteger
  std::string text;             // kString (bulk), kStatus (+OK), kError (the server's message)
  std::vector<Reply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

namespace detail {
// A deep copy of hiredis' reply (which the caller still frees).
Reply CopyReply(const redisReply& r);
}  // namespace detail

}  // namespace psm::redis
