#include "api/station_answers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace psm::api {
namespace {

Board TwoStations() {
  return Board({{30, "Phillaur", "SC", "Jalandhar"}},
               {Station{{30, 1}, "A", "A", "X", 31, 75, {500, 500, 0}},
                Station{{30, 2}, "B", "B", "X", 31, 75, {500, 500, 0}}});
}

std::shared_ptr<const StationView> ViewWith(std::string body, std::string etag) {
  auto view = std::make_shared<StationView>();
  view->body = std::make_shared<const std::string>(std::move(body));
  view->etag = std::move(etag);
  return view;
}

TEST(StationAnswers, BuiltOncePerViewAndRebuiltForANewOne) {
  Board board = TwoStations();
  const StationAnswers answers(board, {{"X-Content-Type-Options", "nosniff"}}, 10);
  const auto first = ViewWith("{\"id\":\"30-1\"}", "\"a1\"");
  board.Set(0, first);
  board.Set(1, first);
  const auto status = answers.For(0).status;
  EXPECT_EQ(answers.For(0).status, status);  // same view: the same prepared bytes
  EXPECT_EQ(answers.For(0).view, first);
  // Each write puts the current second in place of the one the answer was prepared in.
  const auto date = [](const http::PreparedResponse& p) {
    return "Date: " + p.wire.substr(p.date_at, http::kHttpDateSize) + "\r\n";
  };
  EXPECT_EQ(status->wire,
            "HTTP/1.1 200 OK\r\nServer: psm\r\n" + date(*status) +
                "Content-Type: application/json\r\n"
                "ETag: \"a1\"\r\nCache-Control: public, max-age=10\r\n"
                "X-Content-Type-Options: nosniff\r\nContent-Length: 13\r\n\r\n{\"id\":\"30-1\"}");
  EXPECT_EQ(answers.For(0).not_modified->wire,
            "HTTP/1.1 304 Not Modified\r\nServer: psm\r\n" + date(*answers.For(0).not_modified) +
                "ETag: \"a1\"\r\n"
                "Cache-Control: public, max-age=10\r\nX-Content-Type-Options: nosniff\r\n\r\n");
  const std::string& lookup = answers.For(0).lookup->wire;
  EXPECT_NE(lookup.find("Cache-Control: private, max-age=10\r\n"), std::string::npos);
  EXPECT_NE(lookup.find("\r\n\r\n{\"station\":{\"id\":\"30-1\"}}"), std::string::npos);

  const auto second = ViewWith("{\"id\":\"30-1\",\"q\":5}", "\"a2\"");
  board.Set(0, second);
  EXPECT_NE(answers.For(0).status, status);
  EXPECT_EQ(answers.For(0).view, second);
  EXPECT_NE(answers.For(0).status->wire.find("ETag: \"a2\""), std::string::npos);
  EXPECT_EQ(answers.For(1).view, first);  // stations are independent
}

TEST(StationAnswers, ARenderWithTheSameBodyKeepsThePreparedBytes) {
  Board board = TwoStations();
  const StationAnswers answers(board, {}, 10);
  board.Set(0, ViewWith("{\"q\":1}", "\"e1\""));
  const auto status = answers.For(0).status;
  board.Set(0, ViewWith("{\"q\":1}", "\"e1\""));  // the writer's periodic refresh
  EXPECT_EQ(answers.For(0).status, status);
  board.Set(0, ViewWith("{\"q\":2}", "\"e2\""));
  EXPECT_NE(answers.For(0).status->wire.find("{\"q\":2}"), std::string::npos);
}

TEST(StationAnswers, EachThreadKeepsItsOwnCopies) {
  Board board = TwoStations();
  const StationAnswers answers(board, {}, 10);
  board.Set(0, ViewWith("{\"q\":1}", "\"e1\""));
  const auto here = answers.For(0).status;
  std::shared_ptr<const http::PreparedResponse> there;
  std::thread([&] { there = answers.For(0).status; }).join();
  ASSERT_NE(there, nullptr);
  EXPECT_NE(there, here);  // no reference count shared between the threads
  EXPECT_EQ(there->wire, here->wire);
}

TEST(StationAnswers, TwoBoardsServedFromOneThreadDoNotMix) {
  Board one = TwoStations();
  Board two = TwoStations();
  const StationAnswers from_one(one, {}, 10);
  const StationAnswers from_two(two, {}, 10);
  one.Set(0, ViewWith("{\"board\":1}", "\"b1\""));
  two.Set(0, ViewWith("{\"board\":2}", "\"b2\""));
  for (int round = 0; round < 2; ++round) {
    EXPECT_NE(from_one.For(0).status->wire.find("{\"board\":1}"), std::string::npos);
    EXPECT_NE(from_two.For(0).status->wire.find("{\"board\":2}"), std::string::npos);
  }
}

TEST(StationAnswers, ReadersRacingTheWriterSeeWholeAnswersAndTheLatestView) {
  Board board = TwoStations();
  const StationAnswers answers(board, {}, 10);
  const auto view_for = [](int n) {
    return ViewWith("{\"n\":" + std::to_string(n) + "}", "\"n" + std::to_string(n) + "\"");
  };
  board.Set(0, view_for(0));
  constexpr int kViews = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      int last = 0;
      for (;;) {
        const bool was_done = done.load();
        const auto& set = answers.For(0);
        // The 200's ETag, its body and the 304's ETag all come from one view.
        const std::string etag = "ETag: " + set.view->etag + "\r\n";
        const std::string body = *set.view->body;
        if (set.status->wire.find(etag) == std::string::npos ||
            set.status->wire.compare(set.status->wire.size() - body.size(), body.size(), body) ||
            set.not_modified->wire.find(etag) == std::string::npos) {
          ++torn;
        }
        const int n = std::stoi(body.substr(5));
        if (n < last) ++torn;  // never an older view after a newer one
        last = n;
        if (was_done) {
          if (n != kViews) ++torn;  // after the last Set, the last view
          return;
        }
      }
    });
  }
  for (int n = 1; n <= kViews; ++n)
    board.Set(0, view_for(n));
  done = true;
  for (auto& reader : readers)
    reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
}  // namespace psm::api
