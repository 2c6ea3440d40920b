// Wakeup and WakeQueue: a burst of wakes costs one posted task, ended sessions are never woken,
// and an io_context destroyed with wakes pending leaves nothing dangling or leaked.
#include "http/wakeup.hpp"

#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace psm::http::detail {
namespace {

using boost::system::error_code;

// A parked session as far as waking goes: a timer waiting forever and its Wakeup. Detaches as
// a session's frame does when it is destroyed.
struct Parked {
  Parked(boost::asio::io_context& ioc, const std::shared_ptr<WakeQueue>& queue)
      : timer(ioc.get_executor()), wakeup(std::make_shared<Wakeup>(queue, &timer)) {}
  ~Parked() { wakeup->Detach(); }

  void Park() {
    timer.expires_at(Timer::time_point::max());
    timer.async_wait([this](error_code ec) {
      if (ec == boost::asio::error::operation_aborted) ++woken;
    });
  }

  Timer timer;
  std::shared_ptr<Wakeup> wakeup;
  int woken = 0;
};

TEST(HttpWakeup, BurstFromAnotherThreadCostsOnePostAndWakesEverySession) {
  boost::asio::io_context ioc{1};
  auto queue = std::make_shared<WakeQueue>(ioc.get_executor());
  constexpr std::size_t kSessions = 200;
  std::vector<std::unique_ptr<Parked>> sessions;
  for (std::size_t i = 0; i < kSessions; ++i)
    sessions.push_back(std::make_unique<Parked>(ioc, queue));
  for (int burst = 1; burst <= 2; ++burst) {
    for (auto& s : sessions)
      s->Park();
    std::thread writer([&] {
      for (auto& s : sessions)
        s->wakeup->Wake();
    });
    writer.join();
    // Handlers run: one drain, then each timer's cancelled wait. A post per wake would be 2N.
    // poll, not run: a lost wake must fail the test, not hang it.
    ioc.restart();
    EXPECT_EQ(ioc.poll(), kSessions + 1) << "burst " << burst;
    for (auto& s : sessions)
      ASSERT_EQ(s->woken, burst);
  }
}

TEST(HttpWakeup, WakeAfterTheSessionEndedIsANoOp) {
  boost::asio::io_context ioc{1};
  auto queue = std::make_shared<WakeQueue>(ioc.get_executor());
  auto ended = std::make_unique<Parked>(ioc, queue);
  ended->Park();
  ended->wakeup->Detach();
  ended->wakeup->Wake();
  EXPECT_EQ(ioc.poll(), 0u);  // nothing was posted
  EXPECT_EQ(ended->woken, 0);

  // Ended between its wake and the drain: the drain skips it.
  ended->timer.cancel();
  ioc.restart();
  ioc.poll();
  auto racing = std::make_unique<Parked>(ioc, queue);
  racing->Park();
  racing->wakeup->Wake();
  racing->wakeup->Detach();
  // Gone altogether (frame and Wakeup) before the drain.
  auto gone = std::make_unique<Parked>(ioc, queue);
  gone->wakeup->Wake();
  gone.reset();
  ioc.restart();
  EXPECT_EQ(ioc.poll(), 1u);  // the drain only
  EXPECT_EQ(racing->woken, 0);
  racing->timer.cancel();
  ioc.restart();
  ioc.poll();
}

// The session owned by its wait handler, as a coroutine frame is by its pending operation: the
// io_context's destruction destroys it, which detaches its Wakeup.
struct OwnedByWait {
  static void Start(boost::asio::io_context& ioc, const std::shared_ptr<WakeQueue>& queue,
                    std::shared_ptr<Wakeup>* out) {
    auto p = std::make_shared<Parked>(ioc, queue);
    *out = p->wakeup;
    p->timer.expires_at(Timer::time_point::max());
    p->timer.async_wait([p](error_code) {});
  }
};

TEST(HttpWakeup, IoContextDestroyedWithWakesPending) {
  std::shared_ptr<Wakeup> a, b;
  std::shared_ptr<WakeQueue> queue;
  {
    boost::asio::io_context ioc{1};
    queue = std::make_shared<WakeQueue>(ioc.get_executor());
    OwnedByWait::Start(ioc, queue, &a);
    OwnedByWait::Start(ioc, queue, &b);
    a->Wake();  // posts the drain, which never runs
    b->Wake();
  }
  // Both sessions ended with their io_context; wakes from late replies are no-ops, and nothing
  // holds the queue but these Wakeups (a leak would show under the leak checker).
  a->Wake();
  b->Wake();
  EXPECT_EQ(queue.use_count(), 3);
}

}  // namespace
}  // namespace psm::http::detail
