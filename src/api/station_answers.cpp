// Views change when a report lands or every few seconds when ages are refreshed, while reads
// arrive tens of thousands of times a second: building the bytes on first use after a change
// costs one serialisation per view and thread, not one per request. The caches are per thread
// because a shared one costs every read a reference count and a slot on cache lines that the
// other event loop keeps pulling back: a handful of cross-core transfers per request.
#include "api/station_answers.hpp"

#include <atomic>

namespace psm::api {
namespace {

// An EPIC look-up names the elector's station, so a shared cache must not keep it; the voter's
// own browser may, briefly, as a queue figure is worth re-asking after a few seconds.
constexpr int kLookupMaxAgeSeconds = 10;

std::uint64_t NextAnswersId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

StationAnswers::StationAnswers(const Board& board, http::DefaultHeaders defaults, int max_age_s)
    : board_(board),
      defaults_(std::move(defaults)),
      cache_control_("public, max-age=" + std::to_string(max_age_s)),
      id_(NextAnswersId()) {}

const StationAnswers::Set& StationAnswers::For(std::uint32_t index) const {
  thread_local ThreadCache cache;
  if (cache.owner != id_) {
    cache.owner = id_;
    cache.entries.assign(board_.size(), Entry{});
  }
  Entry& entry = cache.entries[index];
  const std::uint64_t version = board_.Version(index);
  if (entry.set.view && entry.version == version) return entry.set;
  auto view = board_.Get(index);
  // The writer re-renders every station every few seconds; most of those renders change
  // nothing in the body, and then the prepared bytes stay.
  if (!entry.set.view || *entry.set.view->body != *view->body) entry.set = Build(std::move(view));
  entry.version = version;
  return entry.set;
}

StationAnswers::Set StationAnswers::Build(std::shared_ptr<const StationView> view) const {
  Set set;
  set.status = http::Prepare(http::Response::Shared(200, view->body, "application/json")
                                 .With("ETag", view->etag)
                                 .With("Cache-Control", cache_control_),
                             defaults_);
  set.not_modified = http::Prepare(
      http::Response::NotModified(view->etag).With("Cache-Control", cache_control_), defaults_);
  set.lookup = http::Prepare(
      http::Response::Json(200, "{\"station\":" + *view->body + "}")
          .With("Cache-Control", "private, max-age=" + std::to_string(kLookupMaxAgeSeconds)),
      defaults_);
  set.view = std::move(view);
  return set;
}

}  // namespace psm::api
