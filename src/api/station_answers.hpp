// Each station's public answers (its status, the 304 for its ETag, the EPIC look-up) prepared
// once per Board view and shared by every request until the writer renders a new view. Each
// thread keeps its own copies, so a read touches no cache line that another core writes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "board/board.hpp"
#include "http/prepared_response.hpp"

namespace psm::api {

class StationAnswers {
 public:
  struct Set {
    // A view with these answers' body: the one they were made from, or an earlier one with the
    // same body (a refresh that changed nothing a reader sees keeps the prepared bytes).
    std::shared_ptr<const StationView> view;
    std::shared_ptr<const http::PreparedResponse> status;        // 200, public max-age
    std::shared_ptr<const http::PreparedResponse> not_modified;  // 304 for view->etag
    std::shared_ptr<const http::PreparedResponse> lookup;        // {"station":…}, private
  };

  // `board` must outlive this object and every thread that calls For.
  StationAnswers(const Board& board, http::DefaultHeaders defaults, int max_age_s);

  // The answers for station `index` (< board.size()) as of the Board's current view. Thread-safe:
  // each calling thread checks and fills a cache of its own. The reference stays valid until
  // this thread's next call; copy the pointers it holds to keep them longer.
  const Set& For(std::uint32_t index) const;

 private:
  // The set lives in the entry itself: a read then follows one pointer fewer, to memory that
  // is rarely in cache when stations are read at random.
  struct Entry {
    std::uint64_t version = 0;  // the Board's Version of the station when `set` was checked
    Set set;                    // empty (no view) until first used
  };
  // One thread's copies. Caches are per object (`owner`), so a thread that serves another
  // StationAnswers (tests run several servers in one process) starts its cache afresh.
  struct ThreadCache {
    std::uint64_t owner = 0;
    std::vector<Entry> entries;
  };

  Set Build(std::shared_ptr<const StationView> view) const;

  const Board& board_;
  http::DefaultHeaders defaults_;
  std::string cache_control_;
  std::uint64_t id_;  // unique per object, for ThreadCache::owner
};

}  // namespace psm::api
