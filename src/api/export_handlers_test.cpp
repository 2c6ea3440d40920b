// export_handlers: the audit log (JSON and CSV, filters) and reports.csv, admin only, with CSV
// cells quoted and guarded against spreadsheet formulas.
#include <gtest/gtest.h>

#include "api/testing/api_fixture.hpp"

namespace psm::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;

// The lines of a CSV body (without the final newline).
std::vector<std::string> Lines(const std::string& body) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(body.substr(start, nl - start));
  return out;
}

class ExportHandlersTest : public ::testing::Test {
 protected:
  void Report(const json& body) {
    ASSERT_EQ(api_.Post("/api/v1/stations/34-1/reports", body, officer_).status, 201u) << body;
  }

  ApiFixture api_;
  std::string admin_ = api_.AdminToken();
  std::string officer_ = api_.OfficerToken({34, 1});
};

TEST_F(ExportHandlersTest, ExportsAreForAdminsOnly) {
  const std::string sector = api_.SectorToken("gill", {{34, 1}});
  for (const char* path : {"/api/v1/audit", "/api/v1/audit.csv", "/api/v1/reports.csv"}) {
    EXPECT_EQ(api_.Get(path).status, 401u) << path;
    EXPECT_EQ(api_.Get(path, officer_).status, 403u) << path;
    const auto r = api_.Get(path, sector);
    EXPECT_EQ(r.status, 403u) << path;
    EXPECT_EQ(r.ProblemReason(), "role_required") << path;
    EXPECT_EQ(api_.Get(path, admin_).status, 200u) << path;
  }
}

TEST_F(ExportHandlersTest, ReportsCsvHasOneRowPerReport) {
  const json queue = api_.QueueReport(12, 9, 0, api_.LocalTime(9, 30));
  const json turnout = api_.TurnoutReport(100, 90, 0, api_.LocalTime(9, 45));
  Report(queue);
  Report(turnout);
  const auto r = api_.Get("/api/v1/reports.csv", admin_);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.Header("Content-Disposition"), "attachment; filename=\"reports.csv\"");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  const auto lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_EQ(lines[0],
            "id,station,ac,part,kind,observed_at,received_at,men,women,others,total,event,reason,"
            "voters_in_queue_at_close,actor");
  EXPECT_EQ(lines[1], queue["id"].get<std::string>() +
                          ",34-1,34,1,queue,2026-11-30T04:00:00Z,2026-11-30T04:30:00Z,12,9,0,21,"
                          ",,,officer:34-1");
  EXPECT_EQ(lines[2], turnout["id"].get<std::string>() +
                          ",34-1,34,1,turnout,2026-11-30T04:15:00Z,2026-11-30T04:30:00Z,100,90,"
                          "0,190,,,,officer:34-1");
}

TEST_F(ExportHandlersTest, OfficerTextIsQuotedAndNeverAFormula) {
  Report(api_.EventReport("poll_started", api_.LocalTime(7, 0)));
  json interrupted = api_.EventReport("interrupted", api_.LocalTime(9, 0));
  interrupted["reason"] = "=HYPERLINK(\"http://x\"), power cut";
  Report(interrupted);
  const auto lines = Lines(api_.Get("/api/v1/reports.csv", admin_).body);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], interrupted["id"].get<std::string>() +
                          ",34-1,34,1,event,2026-11-30T03:30:00Z,2026-11-30T04:30:00Z,,,,,"
                          "interrupted,\"'=HYPERLINK(\"\"http://x\"\"), power cut\",,officer:34-1");
}

TEST_F(ExportHandlersTest, ReportsCsvSinceFilter) {
  Report(api_.QueueReport(1, 1));
  api_.clock().Advance(std::chrono::minutes(30));
  const json later = api_.QueueReport(2, 2);
  Report(later);
  auto r = api_.Get("/api/v1/reports.csv?since=2026-11-30T04:45:00Z", admin_);
  const auto lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 2u) << r.body;
  EXPECT_EQ(lines[1].substr(0, 36), later["id"]);
  r = api_.Get("/api/v1/reports.csv?since=yesterday", admin_);
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.ProblemReason(), "bad_since");
}

TEST_F(ExportHandlersTest, AuditLogAsJsonWithFilters) {
  Report(api_.QueueReport(1, 1));
  ASSERT_EQ(api_.Post("/api/v1/stations/34-1/reports", api_.QueueReport(5000, 0), officer_).status,
            422u);
  ASSERT_TRUE(api_.store()
                  .AppendAudit({AuditEntry{0, api_.clock().Now(), "user:other", "admin", "10.0.0.1",
                                           "login", "", ""}})
                  .ok());
  auto r = api_.Get("/api/v1/audit?station=34-1", admin_);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  const auto entries = r.Json()["entries"];
  ASSERT_EQ(entries.size(), 2u) << r.body;
  // Newest first.
  EXPECT_EQ(entries[0]["action"], "report_rejected");
  EXPECT_EQ(entries[1]["action"], "report");
  EXPECT_EQ(entries[1]["actor"], "officer:34-1");
  EXPECT_EQ(entries[1]["role"], "officer");
  EXPECT_EQ(entries[1]["client"], "192.0.2.10");
  EXPECT_GT(entries[0]["seq"].get<std::int64_t>(), entries[1]["seq"].get<std::int64_t>());

  r = api_.Get("/api/v1/audit?actor=user:other", admin_);
  ASSERT_EQ(r.Json()["entries"].size(), 1u);
  EXPECT_EQ(r.Json()["entries"][0]["station"], nullptr);
  EXPECT_EQ(api_.Get("/api/v1/audit?limit=1", admin_).Json()["entries"].size(), 1u);

  for (const char* query :
       {"limit=0", "limit=x", "format=xml", "since=soon", "station=garbage", "station=34"}) {
    r = api_.Get(std::string("/api/v1/audit?") + query, admin_);
    EXPECT_EQ(r.status, 422u) << query;
  }
  EXPECT_EQ(api_.Get("/api/v1/audit?format=xml", admin_).ProblemReason(), "bad_format");
  EXPECT_EQ(api_.Get("/api/v1/audit?station=garbage", admin_).ProblemReason(), "bad_station");
  EXPECT_EQ(api_.Get("/api/v1/audit.csv?station=x-1", admin_).status, 422u);
}

TEST_F(ExportHandlersTest, AuditLogAsCsv) {
  ASSERT_TRUE(api_.store()
                  .AppendAudit({AuditEntry{0, api_.clock().Now(), "user:=cmd", "admin", "10.0.0.1",
                                           "login", "34-1", "+1, \"two\""}})
                  .ok());
  for (const char* path : {"/api/v1/audit.csv", "/api/v1/audit?format=csv"}) {
    const auto r = api_.Get(path, admin_);
    ASSERT_EQ(r.status, 200u) << path;
    EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_EQ(r.Header("Content-Disposition"), "attachment; filename=\"audit.csv\"");
    const auto lines = Lines(r.body);
    ASSERT_EQ(lines.size(), 2u) << r.body;
    EXPECT_EQ(lines[0], "seq,at,actor,role,client,action,station,detail");
    // Only a leading =, +, - or @ is a formula: "user:=cmd" stays as it is.
    EXPECT_EQ(lines[1],
              "1,2026-11-30T04:30:00Z,user:=cmd,admin,10.0.0.1,login,34-1,\"'+1, \"\"two\"\"\"");
  }
}

}  // namespace
}  // namespace psm::api
