// Reply: a callable converts to one, copies share one receiver, and an empty one is harmless.
#include "http/reply.hpp"

#include <gtest/gtest.h>

namespace psm::http {
namespace {

TEST(HttpReply, CallableReceivesTheResponse) {
  std::vector<unsigned> got;
  Reply reply = [&got](Response r) { got.push_back(r.status); };
  ASSERT_TRUE(reply);
  Reply copy = reply;
  reply(Response::Text(201, "a"));
  copy(Response::Text(202, "b"));
  EXPECT_EQ(got, (std::vector<unsigned>{201, 202}));
}

TEST(HttpReply, MovedFromAndEmptyRepliesDoNothing) {
  int calls = 0;
  Reply reply = [&calls](Response) { ++calls; };
  Reply taken = std::move(reply);
  EXPECT_FALSE(reply);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  reply(Response::Text(200, "lost"));
  Reply().operator()(Response::Text(200, "lost"));
  EXPECT_EQ(calls, 0);
  taken(Response::Text(200, "kept"));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace psm::http
