// Views change when a report lands or every few seconds when ages are refreshed, while reads
// arrive tens of thousands of times a second: building the bytes on first use after a change
// costs one serialisation per view, not one per request.
#include "api/station_answers.hpp"

namespace psm::api {

StationAnswers::StationAnswers(std::size_t stations, http::DefaultHeaders defaults, int max_age_s)
    : defaults_(std::move(defaults)),
      cache_control_("public, max-age=" + std::to_string(max_age_s)),
      size_(stations),
      sets_(std::make_unique<std::atomic<std::shared_ptr<const Set>>[]>(stations)) {}

std::shared_ptr<const StationAnswers::Set> StationAnswers::For(
    std::uint32_t index, std::shared_ptr<const StationView> view) {
  if (index >= size_) return Build(std::move(view));
  auto& slot = sets_[index];
  auto set = slot.load(std::memory_order_acquire);
  if (set && set->view == view) return set;
  set = Build(std::move(view));
  slot.store(set, std::memory_order_release);
  return set;
}

std::shared_ptr<const StationAnswers::Set> StationAnswers::Build(
    std::shared_ptr<const StationView> view) const {
  auto set = std::make_shared<Set>();
  set->status = http::Prepare(http::Response::Shared(200, view->body, "application/json")
                                  .With("ETag", view->etag)
                                  .With("Cache-Control", cache_control_),
                              defaults_);
  set->not_modified = http::Prepare(
      http::Response::NotModified(view->etag).With("Cache-Control", cache_control_), defaults_);
  set->lookup = http::Prepare(http::Response::Json(200, "{\"station\":" + *view->body + "}")
                                  .With("Cache-Control", "private, max-age=10"),
                              defaults_);
  set->view = std::move(view);
  return set;
}

}  // namespace psm::api
