// The per-address cap on open connections and streams.
#include "http/address_slots.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace psm::http {
namespace {

TEST(AddressSlots, CapsEachKeyAndReleasesOnDestruction) {
  AddressSlots slots(2);
  auto a = slots.TryAcquire("198.51.100.1");
  auto b = slots.TryAcquire("198.51.100.1");
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(slots.TryAcquire("198.51.100.1"));
  EXPECT_TRUE(slots.TryAcquire("198.51.100.2")) << "another address has its own slots";
  EXPECT_EQ(slots.Held("198.51.100.1"), 2u);
  a.reset();
  EXPECT_EQ(slots.Held("198.51.100.1"), 1u);
  EXPECT_TRUE(slots.TryAcquire("198.51.100.1"));
  EXPECT_EQ(slots.Held("198.51.100.2"), 0u) << "a temporary slot is released at once";
}

TEST(AddressSlots, MovedSlotReleasesOnce) {
  AddressSlots slots(1);
  auto a = slots.TryAcquire("k");
  ASSERT_TRUE(a);
  AddressSlots::Slot moved = std::move(*a);
  a.reset();
  EXPECT_EQ(slots.Held("k"), 1u);
  AddressSlots::Slot assigned;
  assigned = std::move(moved);
  EXPECT_EQ(slots.Held("k"), 1u);
  assigned = AddressSlots::Slot();
  EXPECT_EQ(slots.Held("k"), 0u);
}

TEST(AddressSlots, ZeroCapCountsNothing) {
  AddressSlots slots(0);
  std::vector<AddressSlots::Slot> held;
  for (int i = 0; i < 1000; ++i) {
    auto s = slots.TryAcquire("k");
    ASSERT_TRUE(s);
    held.push_back(std::move(*s));
  }
  EXPECT_EQ(slots.Held("k"), 0u);
}

TEST(AddressSlots, ThreadsNeverExceedTheCap) {
  AddressSlots slots(8);
  std::atomic<int> over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        auto s = slots.TryAcquire("shared");
        if (s && slots.Held("shared") > 8) ++over;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(slots.Held("shared"), 0u);
}

}  // namespace
}  // namespace psm::http
