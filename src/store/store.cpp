// OpenStore: picks a backend by the URL's scheme. Adding a backend is one row in kBackends.
#include <array>
#include <filesystem>
#include <string>
#include <system_error>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace psm {

Error NotWriterError() {
  return Error::Unavailable("not_writer",
                            "this node is not the cluster's writer; retry (another node will "
                            "take the write)");
}

Result<FeedCursor> Store::FeedHead() {
  return Error::Invalid("no_change_feed", "this store has no change feed (one server only)");
}

Result<ChangeBatch> Store::ChangesSince(const FeedCursor& /*after*/, std::size_t /*report_limit*/) {
  return Error::Invalid("no_change_feed", "this store has no change feed (one server only)");
}

namespace {

Result<std::unique_ptr<Store>> OpenSqlite(std::string_view /*url*/, std::string_view location) {
  if (location.empty()) {
    return Error::Invalid("store_url", "sqlite: URL needs a file path");
  }
  const std::string path(location);
  if (path != ":memory:") {
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error::Unavailable("store_io",
                                "cannot create directory " + parent.string() + ": " + ec.message());
    }
  }
  auto store = SqliteStore::Open(path);
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

// libpq takes the whole URL as given, so several hosts and parameters pass through untouched.
Result<std::unique_ptr<Store>> OpenPostgres(std::string_view url, std::string_view /*location*/) {
  auto store = PostgresStore::Open(std::string(url));
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

struct Backend {
  std::string_view scheme;
  // `url` whole, and `location`: what follows "scheme:".
  Result<std::unique_ptr<Store>> (*open)(std::string_view url, std::string_view location);
};

constexpr std::array kBackends = {
    Backend{"sqlite", &OpenSqlite},
    Backend{"postgresql", &OpenPostgres},
    Backend{"postgres", &OpenPostgres},
};

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  const auto colon = url.find(':');
  if (colon != std::string_view::npos) {
    const auto scheme = url.substr(0, colon);
    for (const Backend& b : kBackends) {
      if (b.scheme == scheme) return b.open(url, url.substr(colon + 1));
    }
  }
  return Error::Invalid("store_url",
                        "unknown store URL '" + std::string(url) +
                            "' (expected sqlite:PATH or postgresql://USER@HOST:PORT/DB)");
}

}  // namespace psm
