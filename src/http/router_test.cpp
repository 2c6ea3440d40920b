// Router: exact-before-pattern priority, captures, 404 vs 405 with Allow, HEAD on GET routes.
#include "http/router.hpp"

#include <gtest/gtest.h>

namespace psm::http {
namespace {

using boost::beast::http::verb;

Handler Named(std::string* hit, std::string name) {
  return [hit, name](Request&, Reply reply) {
    *hit = name;
    reply(Response::Text(200, name));
  };
}

// Match() for tests that do not look at the captures.
RouteMatch MatchOnly(const Router& r, verb method, std::string_view path) {
  RouteParams params;
  return r.Match(method, path, &params);
}

std::string Dispatch(const Router& r, verb method, std::string_view path) {
  RouteMatch m = MatchOnly(r, method, path);
  if (m.kind != RouteMatch::Kind::kFound) return "<none>";
  std::string out;
  Request req;
  (*m.handler)(req, [&](Response res) { out = *res.body; });
  return out;
}

TEST(HttpRouter, ExactBeatsPattern) {
  Router r;
  std::string hit;
  r.Add(verb::get, "/api/v1/stations/{id}", Named(&hit, "pattern"));
  r.Add(verb::get, "/api/v1/stations/search", Named(&hit, "exact"));
  EXPECT_EQ(Dispatch(r, verb::get, "/api/v1/stations/search"), "exact");
  EXPECT_EQ(Dispatch(r, verb::get, "/api/v1/stations/34-112"), "pattern");
}

TEST(HttpRouter, CapturesParams) {
  Router r;
  std::string hit;
  r.Add(verb::get, "/api/v1/stations/{id}/timeline", Named(&hit, "timeline"));
  r.Add(verb::post, "/api/v1/alerts/{id}/ack", Named(&hit, "ack"));
  Request req;
  RouteMatch m = r.Match(verb::get, "/api/v1/stations/34-112/timeline", req.mutable_params());
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route_name, "/api/v1/stations/{id}/timeline");
  EXPECT_EQ(req.Param("id"), "34-112");
  EXPECT_EQ(req.Param("other"), "");
  // The same storage serves the next request: a longer capture, then a route without any.
  m = r.Match(verb::post, "/api/v1/alerts/a-much-longer-alert-identifier/ack",
              req.mutable_params());
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(req.Param("id"), "a-much-longer-alert-identifier");
  EXPECT_EQ(r.Match(verb::get, "/api/v1/stations/34-112", req.mutable_params()).kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(req.Param("id"), "");
  // Segment counts must agree and captures are never empty.
  EXPECT_EQ(MatchOnly(r, verb::get, "/api/v1/stations/34-112").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(MatchOnly(r, verb::get, "/api/v1/stations//timeline").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(MatchOnly(r, verb::get, "/api/v1/stations/1/timeline/x").kind,
            RouteMatch::Kind::kNotFound);
}

TEST(HttpRouter, LiteralSegmentBeatsCaptureAmongPatterns) {
  Router r;
  std::string hit;
  r.Add(verb::get, "/a/{x}/c", Named(&hit, "capture-first"));
  r.Add(verb::get, "/a/b/{y}", Named(&hit, "literal-first"));
  EXPECT_EQ(Dispatch(r, verb::get, "/a/b/c"), "literal-first");
  EXPECT_EQ(Dispatch(r, verb::get, "/a/z/c"), "capture-first");
}

TEST(HttpRouter, NotFoundVersusMethodNotAllowed) {
  Router r;
  std::string hit;
  r.Add(verb::get, "/api/v1/district", Named(&hit, "d"));
  r.Add(verb::post, "/api/v1/stations/{id}/reports", Named(&hit, "post"));
  r.Add(verb::get, "/api/v1/stations/{id}/reports", Named(&hit, "list"));
  EXPECT_EQ(MatchOnly(r, verb::get, "/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(MatchOnly(r, verb::get, "/api/v1/district/").kind, RouteMatch::Kind::kNotFound);

  RouteMatch m = MatchOnly(r, verb::delete_, "/api/v1/district");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD");

  m = MatchOnly(r, verb::put, "/api/v1/stations/1-1/reports");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST, GET, HEAD");
}

TEST(HttpRouter, HeadUsesGetUnlessRegistered) {
  Router r;
  std::string hit;
  r.Add(verb::get, "/x", Named(&hit, "get"));
  EXPECT_EQ(Dispatch(r, verb::head, "/x"), "get");
  r.Add(verb::head, "/x", Named(&hit, "head"));
  EXPECT_EQ(Dispatch(r, verb::head, "/x"), "head");
  EXPECT_EQ(MatchOnly(r, verb::post, "/x").allow, "GET, HEAD");
}

TEST(HttpRouter, MaxBodyLimit) {
  Router r;
  std::string hit;
  r.Add(verb::post, "/small", Named(&hit, "s"));
  EXPECT_EQ(r.MaxBodyLimit(16384), 16384u);
  r.Add(verb::post, "/batch", Named(&hit, "b"), RouteOptions{1 << 20});
  EXPECT_EQ(r.MaxBodyLimit(16384), 1u << 20);
  RouteMatch m = MatchOnly(r, verb::post, "/batch");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.options->body_limit, 1u << 20);
}

}  // namespace
}  // namespace psm::http
