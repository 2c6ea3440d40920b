// The text serialiser of HTTP/1.1 keep-alive answers against Beast's own serializer, which the
// session used for them before and still uses for HTTP/1.0, HEAD and Connection: close.
#include <gtest/gtest.h>

#include <ctime>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/prepared_response.hpp"
#include "http/problem.hpp"

namespace psm::http {
namespace {

namespace bhttp = boost::beast::http;

const DefaultHeaders kDefaults = {{"X-Content-Type-Options", "nosniff"},
                                  {"Referrer-Policy", "no-referrer"},
                                  {"Content-Type", "text/plain"}};

// What Beast writes for `r` as an HTTP/1.1 keep-alive answer, headers set the way the session
// sets them on Beast's message.
std::string BeastWire(const Response& r, const DefaultHeaders& defaults, const HttpDate& date) {
  bhttp::response<bhttp::string_body> msg;
  msg.version(11);
  msg.result(r.status);
  msg.set(bhttp::field::server, "psm");
  msg.set(bhttp::field::date, boost::beast::string_view(date.text.data(), date.text.size()));
  if (!r.content_type.empty()) msg.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers)
    msg.insert(name, value);
  for (const auto& [name, value] : defaults) {
    if (msg.find(name) == msg.end()) msg.insert(name, value);
  }
  msg.keep_alive(true);
  if (ResponseHasBody(r.status)) {
    msg.body() = *r.body;
    msg.content_length(r.body->size());
  }
  std::ostringstream out;
  out << msg;
  return out.str();
}

const HttpDate kDate = FormatHttpDate(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT

std::string TextWire(const Response& r, const DefaultHeaders& defaults) {
  std::string out;
  const std::size_t date_at = AppendResponseHead(out, r, defaults, r.body->size(), kDate);
  EXPECT_EQ(out.substr(date_at, kHttpDateSize), kDate.view());
  if (ResponseHasBody(r.status)) out += *r.body;
  return out;
}

TEST(WireFormat, HeadIsWhatBeastWouldWrite) {
  std::vector<Response> cases = {
      Response::Json(200, "{\"id\":\"30-1\"}").With("ETag", "\"e1\"").With("Cache-Control", "no"),
      Response::Json(201, "{\"id\":\"r1\"}").With("Location", "/api/v1/reports/r1"),
      Response::Json(200, ""),
      Response::NotModified("\"e1\"").With("Cache-Control", "max-age=9"),
      Response::Text(204, ""),
      Response::Text(200, "a,b\n1,2\n", "text/csv").With("Content-Disposition", "attachment"),
      Response::Problem(429, "Too Many Requests", "slow down", "rate_limited")
          .With("Retry-After", "5"),
      Response::Problem(422, "Unprocessable", "bad count", "invalid"),
      Response::Problem(503, "Unavailable", "retry", "unavailable"),
      // Own headers win over the defaults, whatever their case.
      Response::Text(200, "x").With("x-content-type-options", "other"),
      Response::Json(200, "{}").With("Referrer-Policy", "same-origin"),
  };
  Response no_type = Response::Text(200, "plain");
  no_type.content_type.clear();  // the default Content-Type then applies
  cases.push_back(no_type);
  for (const Response& r : cases) {
    for (const DefaultHeaders& d : {kDefaults, DefaultHeaders{}}) {
      EXPECT_EQ(TextWire(r, d), BeastWire(r, d, kDate)) << r.status << " " << r.content_type;
    }
  }
}

// A prepared answer's bytes as written with `date`.
std::string Written(const PreparedResponse& p, const HttpDate& date) {
  std::string out;
  for (const std::string_view piece : DatedPieces(p, date))
    out += piece;
  return out;
}

TEST(WireFormat, PrepareUsesTheSameBytesWithTheDateOfEachWrite) {
  const Response r = Response::Json(200, "{\"a\":1}").With("ETag", "\"x\"");
  EXPECT_EQ(Written(*Prepare(r, kDefaults), kDate), BeastWire(r, kDefaults, kDate));
  const Response not_modified = Response::NotModified("\"x\"");
  EXPECT_EQ(Written(*Prepare(not_modified, kDefaults), kDate),
            BeastWire(not_modified, kDefaults, kDate));
  // As prepared, the bytes carry the second they were made in.
  const auto prepared = Prepare(r, kDefaults);
  const std::string_view made = std::string_view(prepared->wire).substr(prepared->date_at, 29);
  EXPECT_TRUE(made == CurrentHttpDate().view() ||
              made == FormatHttpDate(std::time(nullptr) - 1).view())
      << made;
  EXPECT_EQ(prepared->wire.size(), Written(*prepared, kDate).size());
}

TEST(WireFormat, AnOwnDateHeaderIsNotRepeated) {
  const Response r = Response::Text(200, "x").With("X-A", "1");
  DefaultHeaders with_date = kDefaults;
  with_date.emplace_back("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(TextWire(r, with_date), TextWire(r, kDefaults));
}

}  // namespace
}  // namespace psm::http
