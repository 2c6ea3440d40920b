// SseHub: filtering, id order, Last-Event-ID replay, reset when too old, slow subscribers.
#include "http/sse.hpp"

#include <atomic>

#include <gtest/gtest.h>

namespace psm::http {
namespace {

std::vector<std::string> Drain(SseSubscription& sub) {
  std::vector<SseBytes> got;
  sub.Take(&got, nullptr);
  std::vector<std::string> out;
  for (auto& b : got)
    out.push_back(*b);
  return out;
}

TEST(HttpSse, FormatsOncePerEvent) {
  EXPECT_EQ(SseHub::Format(7, "status", R"({"a":1})"), "id: 7\nevent: status\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(SseHub::Format(8, "x", "l1\nl2"), "id: 8\nevent: x\ndata: l1\ndata: l2\n\n");
  SseHub hub;
  auto a = hub.Subscribe({}, std::nullopt);
  auto b = hub.Subscribe({}, std::nullopt);
  hub.Publish("status", "34-1", 34, "{}");
  std::vector<SseBytes> ga, gb;
  a->Take(&ga, nullptr);
  b->Take(&gb, nullptr);
  ASSERT_EQ(ga.size(), 1u);
  ASSERT_EQ(gb.size(), 1u);
  EXPECT_EQ(ga[0].get(), gb[0].get());  // the same bytes, shared
}

TEST(HttpSse, FiltersByStationAndAc) {
  SseHub hub;
  auto everyone = hub.Subscribe({}, std::nullopt);
  auto station = hub.Subscribe({"34-112", 0}, std::nullopt);
  auto ac = hub.Subscribe({"", 31}, std::nullopt);
  hub.Publish("status", "34-112", 34, "1");
  hub.Publish("status", "31-5", 31, "2");
  hub.Publish("summary", "", 0, "3");
  hub.Publish("alert", "", 31, "4");  // AC-wide alert
  EXPECT_EQ(Drain(*everyone).size(), 4u);
  auto s = Drain(*station);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("data: 1"), std::string::npos);
  EXPECT_NE(s[1].find("data: 3"), std::string::npos);
  auto a = Drain(*ac);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_NE(a[0].find("data: 2"), std::string::npos);
  EXPECT_NE(a[1].find("data: 3"), std::string::npos);
  EXPECT_NE(a[2].find("data: 4"), std::string::npos);
}

TEST(HttpSse, IdsIncreaseAndReplayAfterLastEventId) {
  SseHub hub(SseHubOptions{.ring_size = 8, .first_id = 100});
  EXPECT_EQ(hub.LastId(), 99u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(hub.Publish("status", "1-1", 1, "{}"), 100u + i);
  auto sub = hub.Subscribe({}, 102);
  hub.Publish("status", "1-1", 1, "{}");  // 105, live
  auto got = Drain(*sub);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].substr(0, 8), "id: 103\n");
  EXPECT_EQ(got[1].substr(0, 8), "id: 104\n");
  EXPECT_EQ(got[2].substr(0, 8), "id: 105\n");
  // Up to date: nothing to replay, no reset.
  auto current = hub.Subscribe({}, 105);
  EXPECT_TRUE(Drain(*current).empty());
}

TEST(HttpSse, ResetWhenTooOldOrFromTheFuture) {
  SseHub hub(SseHubOptions{.ring_size = 4, .first_id = 1});
  for (int i = 0; i < 10; ++i)
    hub.Publish("status", "1-1", 1, "{}");  // ring holds 7..10
  auto fine = Drain(*hub.Subscribe({}, 6));
  ASSERT_EQ(fine.size(), 4u);
  auto old = Drain(*hub.Subscribe({}, 5));
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0], "event: reset\ndata: {}\n\n");
  auto future = Drain(*hub.Subscribe({}, 50));
  ASSERT_EQ(future.size(), 1u);
  EXPECT_EQ(future[0], "event: reset\ndata: {}\n\n");
}

TEST(HttpSse, SlowSubscriberIsDisconnectedNotBuffered) {
  SseHub hub(SseHubOptions{.queue_events = 3});
  auto slow = hub.Subscribe({}, std::nullopt);
  auto fast = hub.Subscribe({}, std::nullopt);
  EXPECT_EQ(hub.SubscriberCount(), 2u);
  for (int i = 0; i < 3; ++i)
    hub.Publish("status", "1-1", 1, "{}");
  EXPECT_EQ(Drain(*fast).size(), 3u);
  hub.Publish("status", "1-1", 1, "{}");  // the 4th overflows `slow`
  std::vector<SseBytes> got;
  EXPECT_EQ(slow->Take(&got, nullptr), SseSubscription::State::kOverflowed);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(Drain(*fast).size(), 1u);
  EXPECT_EQ(hub.SubscriberCount(), 1u);
}

TEST(HttpSse, WakeCalledOnceWhenSomethingArrives) {
  SseHub hub;
  auto sub = hub.Subscribe({}, std::nullopt);
  std::atomic<int> wakes{0};
  std::vector<SseBytes> got;
  EXPECT_EQ(sub->Take(&got, [&] { ++wakes; }), SseSubscription::State::kOpen);
  EXPECT_TRUE(got.empty());
  hub.Publish("status", "1-1", 1, "{}");
  hub.Publish("status", "1-1", 1, "{}");
  EXPECT_EQ(wakes.load(), 1);
  sub->Take(&got, nullptr);
  EXPECT_EQ(got.size(), 2u);
  sub->Take(&got, [&] { ++wakes; });
  sub->Close();
  EXPECT_EQ(wakes.load(), 2);
  EXPECT_EQ(sub->Take(&got, nullptr), SseSubscription::State::kClosed);
  EXPECT_EQ(hub.SubscriberCount(), 0u);
}

TEST(HttpSse, CountDropsWhenSubscriptionIsDestroyedAndCloseAllEndsStreams) {
  SseHub hub;
  {
    auto sub = hub.Subscribe({}, std::nullopt);
    EXPECT_EQ(hub.SubscriberCount(), 1u);
  }
  EXPECT_EQ(hub.SubscriberCount(), 0u);
  auto a = hub.Subscribe({}, std::nullopt);
  hub.CloseAll();
  std::vector<SseBytes> got;
  EXPECT_EQ(a->Take(&got, nullptr), SseSubscription::State::kClosed);
  hub.Publish("status", "1-1", 1, "{}");  // no subscribers left; must not crash
}

}  // namespace
}  // namespace psm::http
