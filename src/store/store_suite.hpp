// The storage test suite's fixture: every TEST_P(StoreSuite, ...) runs once per backend listed
// in store_suite_test.cpp. A new backend passes the suite by adding one StoreBackend there.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace psm::testing {

// Owns one fresh, empty, not yet migrated store and whatever it needs (files, servers).
class StoreHandle {
 public:
  virtual ~StoreHandle() = default;
  virtual Store& store() = 0;
};

struct StoreBackend {
  std::string name;  // gtest parameter name: letters, digits and '_' only
  std::function<std::unique_ptr<StoreHandle>()> open;
};

// Lets gtest print a backend by name instead of as raw bytes.
inline void PrintTo(const StoreBackend& b, std::ostream* os) {
  *os << b.name;
}

StoreBackend SqliteBackend();
StoreBackend MemoryBackend();
// A fresh database on the binary's throwaway PostgreSQL server (SharedPostgresServer). Fails
// the test, never skips it, when the server cannot start (e.g. PostgreSQL is not installed).
StoreBackend PostgresBackend();

// Test data: constituencies 34 and 35; `per_ac` stations in each ("34-1", "34-2", ...).
std::vector<Constituency> TestConstituencies();
std::vector<Station> TestStations(int per_ac);
// A report with every field set; `n` varies the id and the numbers.
Report TestReport(int n, const StationId& station, ReportKind kind);
// "00000000-0000-4000-8000-00000000000n" style ids.
std::string TestUuid(int n);
Instant TestTime(std::int64_t ms_after_6am);

// Asserts that every field of two reports is equal.
void ExpectSameReport(const Report& want, const Report& got);

class StoreSuite : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  Store& store() { return handle_->store(); }
  // Migrates and loads TestConstituencies() and TestStations(3).
  void LoadReferenceData();

 private:
  std::unique_ptr<StoreHandle> handle_;
};

}  // namespace psm::testing
