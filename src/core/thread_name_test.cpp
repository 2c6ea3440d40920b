#include "core/thread_name.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace psm {
namespace {

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = ThisThreadName();
  std::string inside;
  std::thread t([&] {
    NameThisThread("psm-writer");
    inside = ThisThreadName();
  });
  t.join();
  EXPECT_EQ(inside, "psm-writer");
  EXPECT_EQ(ThisThreadName(), before);
}

TEST(ThreadName, LongNamesAreCutToWhatLinuxKeeps) {
  std::string inside;
  std::thread t([&] {
    NameThisThread("psm-loop-0123456789abcdef");
    inside = ThisThreadName();
  });
  t.join();
  EXPECT_EQ(inside, "psm-loop-012345");
}

}  // namespace
}  // namespace psm
