// Each station's public answers (its status, the 304 for its ETag, the EPIC look-up) prepared
// once per Board view and shared by every request until the writer renders a new view.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "board/board.hpp"
#include "http/prepared_response.hpp"

namespace psm::api {

class StationAnswers {
 public:
  struct Set {
    std::shared_ptr<const StationView> view;               // the view these answers were made from
    std::shared_ptr<const http::PreparedResponse> status;  // 200, public max-age
    std::shared_ptr<const http::PreparedResponse> not_modified;  // 304 for view->etag
    std::shared_ptr<const http::PreparedResponse> lookup;        // {"station":…}, private
  };

  StationAnswers(std::size_t stations, http::DefaultHeaders defaults, int max_age_s);

  // The answers for station `index` as of `view` (the Board's current one). Thread-safe; two
  // threads racing on a new view may both build it, and either result is correct.
  std::shared_ptr<const Set> For(std::uint32_t index, std::shared_ptr<const StationView> view);

 private:
  std::shared_ptr<const Set> Build(std::shared_ptr<const StationView> view) const;

  http::DefaultHeaders defaults_;
  std::string cache_control_;
  std::size_t size_;
  std::unique_ptr<std::atomic<std::shared_ptr<const Set>>[]> sets_;
};

}  // namespace psm::api
