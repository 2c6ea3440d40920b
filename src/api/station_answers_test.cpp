#include "api/station_answers.hpp"

#include <gtest/gtest.h>

namespace psm::api {
namespace {

std::shared_ptr<const StationView> ViewWith(std::string body, std::string etag) {
  auto view = std::make_shared<StationView>();
  view->body = std::make_shared<const std::string>(std::move(body));
  view->etag = std::move(etag);
  return view;
}

TEST(StationAnswers, BuiltOncePerViewAndRebuiltForANewOne) {
  StationAnswers answers(2, {{"X-Content-Type-Options", "nosniff"}}, 10);
  const auto first = ViewWith("{\"id\":\"30-1\"}", "\"a1\"");
  const auto set = answers.For(0, first);
  EXPECT_EQ(answers.For(0, first), set);  // same view: the same prepared bytes
  EXPECT_EQ(set->status->wire,
            "HTTP/1.1 200 OK\r\nServer: psm\r\nContent-Type: application/json\r\n"
            "ETag: \"a1\"\r\nCache-Control: public, max-age=10\r\n"
            "X-Content-Type-Options: nosniff\r\nContent-Length: 13\r\n\r\n{\"id\":\"30-1\"}");
  EXPECT_EQ(set->not_modified->wire,
            "HTTP/1.1 304 Not Modified\r\nServer: psm\r\nETag: \"a1\"\r\n"
            "Cache-Control: public, max-age=10\r\nX-Content-Type-Options: nosniff\r\n\r\n");
  EXPECT_NE(set->lookup->wire.find("Cache-Control: private, max-age=10\r\n"), std::string::npos);
  EXPECT_NE(set->lookup->wire.find("\r\n\r\n{\"station\":{\"id\":\"30-1\"}}"), std::string::npos);

  const auto second = ViewWith("{\"id\":\"30-1\",\"q\":5}", "\"a2\"");
  const auto next = answers.For(0, second);
  EXPECT_NE(next, set);
  EXPECT_NE(next->status->wire.find("ETag: \"a2\""), std::string::npos);
  EXPECT_EQ(answers.For(1, first)->view, first);  // stations are independent
}

}  // namespace
}  // namespace psm::api
