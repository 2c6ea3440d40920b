#include "core/thread_name.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace psm {
namespace {

// The name a new thread reads back after naming itself `name`.
std::string NameSeenByNewThread(const std::string& name) {
  std::string seen;
  std::thread t([&] {
    NameThisThread(name);
    seen = ThisThreadName();
  });
  t.join();
  return seen;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = ThisThreadName();
  EXPECT_EQ(NameSeenByNewThread("psm-writer"), "psm-writer");
  EXPECT_EQ(ThisThreadName(), before);
}

TEST(ThreadName, LongNamesAreCutToWhatLinuxKeeps) {
  EXPECT_EQ(NameSeenByNewThread("psm-loop-0123456789abcdef"), "psm-loop-012345");
}

}  // namespace
}  // namespace psm
