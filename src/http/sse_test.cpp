// SseHub: filtering, id order, Last-Event-ID replay, reset when too old, slow subscribers.
#include "http/sse.hpp"

#include <atomic>
#include <thread>

#include "http/sse_loop.hpp"

#include <gtest/gtest.h>

namespace psm::http {
namespace {

std::vector<std::string> Drain(SseSubscription& sub) {
  std::vector<std::string> out;
  for (;;) {
    SseBatch got;
    sub.Take(&got);
    for (std::size_t i = 0; i < got.size; ++i)
      out.emplace_back(got.events[i]->Text());
    if (got.size < SseBatch::kMax) return out;
  }
}

class CountingNotifier : public SseNotifier {
 public:
  void Notify() override { ++count; }
  std::atomic<int> count{0};
};

TEST(HttpSse, FormatsOncePerEvent) {
  EXPECT_EQ(SseHub::Format(7, "status", R"({"a":1})"), "id: 7\nevent: status\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(SseHub::Format(8, "x", "l1\nl2"), "id: 8\nevent: x\ndata: l1\ndata: l2\n\n");
  SseHub hub;
  auto a = hub.Subscribe({}, std::nullopt);
  auto b = hub.Subscribe({}, std::nullopt);
  hub.Publish("status", "34-1", 34, "{}");
  SseBatch ga, gb;
  a->Take(&ga);
  b->Take(&gb);
  ASSERT_EQ(ga.size, 1u);
  ASSERT_EQ(gb.size, 1u);
  EXPECT_EQ(ga.events[0].get(), gb.events[0].get());  // the same bytes, shared
  // Framed once as an HTTP/1.1 chunk; HTTP/1.0 streams write the text inside.
  const std::string text = "id: 1\nevent: status\ndata: {}\n\n";
  EXPECT_EQ(ga.events[0]->Text(), text);
  EXPECT_EQ(ga.events[0]->Chunk(), "1e\r\n" + text + "\r\n");
}

TEST(HttpSse, ParsesTypeLists) {
  EXPECT_EQ(ParseSseTypes("status"), kSseStatus);
  EXPECT_EQ(ParseSseTypes("status,alert"), kSseStatus | kSseAlert);
  EXPECT_EQ(ParseSseTypes("summary,status,summary"), kSseStatus | kSseSummary);
  EXPECT_EQ(ParseSseTypes(""), std::nullopt);
  EXPECT_EQ(ParseSseTypes("status,"), std::nullopt);
  EXPECT_EQ(ParseSseTypes(",status"), std::nullopt);
  EXPECT_EQ(ParseSseTypes("reset"), std::nullopt);
  EXPECT_EQ(ParseSseTypes("Status"), std::nullopt);
}

TEST(HttpSse, FiltersByType) {
  SseHub hub;
  auto status_only = hub.Subscribe({"", 0, kSseStatus}, std::nullopt);
  auto station_alerts = hub.Subscribe({"34-112", 0, kSseAlert | kSseSummary}, std::nullopt);
  auto everything = hub.Subscribe({}, std::nullopt);
  hub.Publish("status", "34-112", 34, "1");
  hub.Publish("summary", "", 0, "2");
  hub.Publish("alert", "34-112", 34, "3");
  hub.Publish("alert", "", 0, "4");
  hub.Publish("alert", "31-5", 31, "5");
  hub.Publish("custom", "", 0, "6");  // a type no list can name reaches only the default
  auto s = Drain(*status_only);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_NE(s[0].find("data: 1"), std::string::npos);
  auto a = Drain(*station_alerts);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_NE(a[0].find("data: 2"), std::string::npos);
  EXPECT_NE(a[1].find("data: 3"), std::string::npos);
  EXPECT_NE(a[2].find("data: 4"), std::string::npos);
  EXPECT_EQ(Drain(*everything).size(), 6u);
  // Replay honours the filter too.
  auto replay = hub.Subscribe({"", 0, kSseStatus}, hub.LastId() - 6);
  EXPECT_EQ(Drain(*replay).size(), 1u);
}

TEST(HttpSse, AlertStationsLimitAlertsOnly) {
  SseHub hub;
  SseFilter sector;
  sector.alert_stations =
      std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"34-1", "34-2"});
  auto sub = hub.Subscribe(sector, std::nullopt);
  hub.Publish("alert", "34-1", 34, "1");
  hub.Publish("alert", "35-1", 35, "2");   // not theirs
  hub.Publish("alert", "", 0, "3");        // district-wide: no station of theirs either
  hub.Publish("status", "35-1", 35, "4");  // other events pass as before
  hub.Publish("alert", "34-2", 34, "5");
  auto got = Drain(*sub);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find("data: 1"), std::string::npos);
  EXPECT_NE(got[1].find("data: 4"), std::string::npos);
  EXPECT_NE(got[2].find("data: 5"), std::string::npos);
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

TEST(HttpSse, StoreSequenceIdsRepeatForDerivedEventsAndReplayAcrossGaps) {
  // A cluster node's hub: events carry the store's sequence numbers, which skip values (other
  // nodes' logins take some) and repeat for events derived from no new change.
  SseHub hub(SseHubOptions{.ring_size = 8, .first_id = 1});
  hub.SetReplayFloor(40);  // loaded at start: everything up to 40 is in the state served
  EXPECT_EQ(hub.LastId(), 40u);
  EXPECT_EQ(hub.Publish("status", "1-1", 1, "{\"n\":1}", 45), 45u);
  EXPECT_EQ(hub.Publish("summary", "", 0, "{}", 45), 45u);  // derived: same id
  EXPECT_EQ(hub.Publish("status", "1-2", 1, "{\"n\":2}", 52), 52u);
  EXPECT_EQ(hub.Publish("status", "1-2", 1, "{\"n\":3}", 50), 52u);  // never decreases
  EXPECT_EQ(hub.Publish("status", "1-1", 1, "{}"), 53u);             // no id given: one more

  // Reconnecting with any id a node of the cluster sent replays what came after it.
  auto after_45 = Drain(*hub.Subscribe({}, 45));
  ASSERT_EQ(after_45.size(), 3u);
  EXPECT_EQ(after_45[0].substr(0, 7), "id: 52\n");
  auto after_48 = Drain(*hub.Subscribe({}, 48));  // an id this node never sent
  ASSERT_EQ(after_48.size(), 3u);
  auto from_floor = Drain(*hub.Subscribe({}, 40));
  ASSERT_EQ(from_floor.size(), 5u);
  EXPECT_EQ(from_floor[0].substr(0, 7), "id: 45\n");
  // Below the floor, or ahead of this node: the client refetches.
  auto below = Drain(*hub.Subscribe({}, 39));
  ASSERT_EQ(below.size(), 1u);
  EXPECT_EQ(below[0], "event: reset\ndata: {}\n\n");
  auto ahead = Drain(*hub.Subscribe({}, 60));
  ASSERT_EQ(ahead.size(), 1u);
  EXPECT_EQ(ahead[0], "event: reset\ndata: {}\n\n");
  // Events leaving the ring raise the floor.
  for (int i = 0; i < 8; ++i)
    hub.Publish("status", "1-3", 1, "{}", 60 + static_cast<std::uint64_t>(i));
  EXPECT_EQ(Drain(*hub.Subscribe({}, 52)).size(), 1u);  // reset
  EXPECT_EQ(Drain(*hub.Subscribe({}, 53)).size(), 8u);
}

TEST(HttpSse, SlowSubscriberIsDisconnectedNotBuffered) {
  SseHub hub(SseHubOptions{.queue_events = 3});
  auto slow = hub.Subscribe({}, std::nullopt);
  auto fast = hub.Subscribe({}, std::nullopt);
  EXPECT_EQ(hub.SubscriberCount(), 2u);
  for (int i = 0; i < 3; ++i)
    hub.Publish("status", "1-1", 1, "{}");
  EXPECT_EQ(Drain(*fast).size(), 3u);
  hub.Publish("status", "1-1", 1, "{}");  // 4 unread: `slow` is over the bound
  SseBatch got;
  EXPECT_EQ(slow->Take(&got), SseSubscription::State::kOverflowed);
  EXPECT_EQ(got.size, 0u);
  for (const auto& event : got.events)
    EXPECT_EQ(event, nullptr);  // the dropped queue is not kept alive in the batch's slots
  EXPECT_EQ(Drain(*fast).size(), 1u);
  EXPECT_EQ(hub.SubscriberCount(), 1u);
}

TEST(HttpSse, SubscriberWhoseEventsLeftTheRingOverflows) {
  SseHub hub(SseHubOptions{.ring_size = 4, .queue_events = 100});
  auto filtered = hub.Subscribe({"", 9}, std::nullopt);
  for (int i = 0; i < 5; ++i)
    hub.Publish("status", "1-1", 1, "{}");  // none match, but one left the ring unread
  SseBatch got;
  EXPECT_EQ(filtered->Take(&got), SseSubscription::State::kOverflowed);
}

// A station's stream knows which events were its own: other stations' traffic leaving the ring
// unread never drops it, and its own events still come, replays included.
TEST(HttpSse, StationStreamOutlastsOtherStationsTraffic) {
  SseHub hub(SseHubOptions{.ring_size = 4, .queue_events = 100});
  auto status_only = hub.Subscribe({"9-9", 0, kSseStatus}, std::nullopt);
  auto everything = hub.Subscribe({"9-9", 0}, std::nullopt);
  for (int i = 0; i < 9; ++i) {
    hub.Publish("status", "1-1", 1, "{}");
    hub.Publish("summary", "", 0, "{}");
  }
  SseBatch got;
  EXPECT_EQ(status_only->Take(&got), SseSubscription::State::kOpen);
  EXPECT_EQ(got.size, 0u);
  // The summaries were for every stream: `everything` missed some, so it overflows.
  EXPECT_EQ(everything->Take(&got), SseSubscription::State::kOverflowed);
  EXPECT_EQ(got.size, 0u);

  const auto mine = hub.Publish("status", "9-9", 9, R"({"n":1})");
  hub.Publish("status", "1-1", 1, "{}");
  ASSERT_EQ(status_only->Take(&got), SseSubscription::State::kOpen);
  ASSERT_EQ(got.size, 1u);
  EXPECT_EQ(got.events[0]->id, mine);

  // A stream of a station nobody followed yet replays that station's events from the ring.
  const auto earlier = hub.Publish("status", "8-8", 8, "{}");
  hub.Publish("status", "1-1", 1, "{}");
  auto replay = hub.Subscribe({"8-8", 0, kSseStatus}, earlier - 1);
  SseBatch replayed;
  ASSERT_EQ(replay->Take(&replayed), SseSubscription::State::kOpen);
  ASSERT_EQ(replayed.size, 1u);
  EXPECT_EQ(replayed.events[0]->id, earlier);
  SseBatch none;
  EXPECT_EQ(replay->Take(&none), SseSubscription::State::kOpen);
  EXPECT_EQ(none.size, 0u);
}

// A station's stream read while another thread publishes gets each of its events once, in
// order: the skip over other stations' events never jumps past one of its own.
TEST(HttpSse, StationStreamLosesNothingWhileOthersPublish) {
  constexpr int kEach = 20000;
  SseHub hub(SseHubOptions{.ring_size = 2 * kEach + 8, .queue_events = 2 * kEach});
  auto sub = hub.Subscribe({"2-2", 0, kSseStatus}, std::nullopt);
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    for (int i = 0; i < kEach; ++i) {
      hub.Publish("status", "1-1", 1, "{}");
      hub.Publish("status", "2-2", 2, "{}");
    }
    published = true;
  });
  std::vector<std::uint64_t> got;
  SseSubscription::State state = SseSubscription::State::kOpen;
  while (got.size() < kEach && state == SseSubscription::State::kOpen) {
    const bool last = published;  // a Take after the last publish gets the rest
    SseBatch batch;
    state = sub->Take(&batch);
    for (std::size_t i = 0; i < batch.size; ++i)
      got.push_back(batch.events[i]->id);
    if (last && batch.size < SseBatch::kMax) break;
  }
  publisher.join();
  EXPECT_EQ(state, SseSubscription::State::kOpen);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kEach));
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], 2 * i + 2) << "event " << i;  // ids from 1; 2-2's are the even ones
}

TEST(HttpSse, TakesLongBacklogsInBatches) {
  SseHub hub;
  auto sub = hub.Subscribe({}, std::nullopt);
  for (std::size_t i = 0; i < SseBatch::kMax + 3; ++i)
    hub.Publish("status", "1-1", 1, "{}");
  SseBatch first;
  EXPECT_EQ(sub->Take(&first), SseSubscription::State::kOpen);
  ASSERT_EQ(first.size, SseBatch::kMax);
  SseBatch rest;
  sub->Take(&rest);
  ASSERT_EQ(rest.size, 3u);
  EXPECT_EQ(rest.events[0]->id, first.events[SseBatch::kMax - 1]->id + 1);
}

// A filtered backlog longer than a batch: every matching event once, in order, across batches
// that end between non-matching ones.
TEST(HttpSse, FilteredBacklogIsTakenInBatchesWithoutLossOrRepeat) {
  SseHub hub(SseHubOptions{.queue_events = 1000});
  auto sub = hub.Subscribe({"2-2", 0}, std::nullopt);
  std::vector<std::uint64_t> want;
  for (std::size_t i = 0; i < 3 * SseBatch::kMax + 5; ++i) {
    const bool match = i % 3 == 1;
    const auto id = hub.Publish("status", match ? "2-2" : "1-1", match ? 2 : 1, "{}");
    if (match) want.push_back(id);
  }
  std::vector<std::uint64_t> got;
  for (int takes = 0; takes < 10; ++takes) {
    SseBatch batch;
    ASSERT_EQ(sub->Take(&batch), SseSubscription::State::kOpen);
    if (batch.size == 0) break;
    for (std::size_t i = 0; i < batch.size; ++i)
      got.push_back(batch.events[i]->id);
  }
  EXPECT_EQ(got, want);
}

TEST(HttpSse, NotifiersAreSharedPerKeyAndWokenOncePerPublish) {
  SseHub hub;
  auto a = hub.Subscribe({}, std::nullopt);
  auto b = hub.Subscribe({"5-5", 0}, std::nullopt);
  int made = 0;
  auto make = [&]() -> std::shared_ptr<SseNotifier> {
    ++made;
    return std::make_shared<CountingNotifier>();
  };
  int loop1 = 0, loop2 = 0;
  auto n1 = a->NotifierFor(&loop1, make);
  EXPECT_EQ(b->NotifierFor(&loop1, make), n1);  // same loop, same notifier
  auto n2 = b->NotifierFor(&loop2, make);
  EXPECT_NE(n2, n1);
  EXPECT_EQ(made, 2);
  hub.Publish("status", "1-1", 1, "{}");  // whatever the number of subscribers: one each
  hub.Publish("status", "1-1", 1, "{}");
  EXPECT_EQ(static_cast<CountingNotifier&>(*n1).count.load(), 2);
  EXPECT_EQ(static_cast<CountingNotifier&>(*n2).count.load(), 2);
  // The hub holds them weakly: dropped with their last holder, then made afresh.
  n1.reset();
  hub.Publish("status", "1-1", 1, "{}");
  a->NotifierFor(&loop1, make);
  EXPECT_EQ(made, 3);
  SseBatch got;
  EXPECT_EQ(a->Take(&got), SseSubscription::State::kOpen);
  EXPECT_EQ(got.size, 3u);
  a->Close();
  EXPECT_EQ(a->Take(&got), SseSubscription::State::kClosed);
  EXPECT_EQ(hub.SubscriberCount(), 1u);
}

TEST(HttpSse, CountDropsWhenSubscriptionIsDestroyedAndCloseAllEndsStreams) {
  SseHub hub;
  {
    auto sub = hub.Subscribe({}, std::nullopt);
    EXPECT_EQ(hub.SubscriberCount(), 1u);
  }
  EXPECT_EQ(hub.SubscriberCount(), 0u);
  auto a = hub.Subscribe({}, std::nullopt);
  auto notifier = std::make_shared<CountingNotifier>();
  a->NotifierFor(&hub, [&] { return notifier; });
  hub.CloseAll();
  EXPECT_EQ(notifier->count.load(), 1);  // so the streams look and see the end
  SseBatch got;
  EXPECT_EQ(a->Take(&got), SseSubscription::State::kClosed);
  EXPECT_EQ(hub.SubscriberCount(), 0u);
  hub.Publish("status", "1-1", 1, "{}");  // no subscribers left; must not crash
  auto later = hub.Subscribe({}, std::nullopt);
  hub.Publish("status", "1-1", 1, "{}");
  EXPECT_EQ(Drain(*later).size(), 1u);
}

// What the event loop writes for a stream, and what is left after a partial write.
TEST(HttpSse, BuffersResumeAfterPartialWrite) {
  detail::SsePendingWrite w;
  w.batch.events[0] = SseHub::Frame(1, "", 0, kSseStatus, "id: 1\n\n");
  w.batch.events[1] = SseHub::Frame(2, "", 0, kSseStatus, "id: 2\n\n");
  w.batch.size = 2;
  auto joined = [&](bool chunked) {
    iovec iov[SseBatch::kMax];
    std::size_t n = detail::SseLoop::Buffers(w, chunked, iov);
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
      out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    return out;
  };
  EXPECT_EQ(joined(true), "7\r\nid: 1\n\n\r\n7\r\nid: 2\n\n\r\n");
  EXPECT_EQ(joined(false), "id: 1\n\nid: 2\n\n");
  w.skip = 10;  // into the second event's chunk
  EXPECT_EQ(joined(true), "\r\n7\r\nid: 2\n\n\r\n");
  EXPECT_EQ(joined(false), " 2\n\n");
  w.skip = 12;  // exactly the first chunk
  EXPECT_EQ(joined(true), "7\r\nid: 2\n\n\r\n");
}

}  // namespace
}  // namespace psm::http
