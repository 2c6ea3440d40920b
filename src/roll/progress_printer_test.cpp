// ProgressPrinter output in line mode (files, pipes) and bar mode (terminals).
#include "roll/progress_printer.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace psm::roll {
namespace {

// Runs `fn` with a temporary FILE and returns what it wrote.
template <class Fn>
std::string Capture(Fn fn) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::tmpfile(), &std::fclose);
  fn(f.get());
  std::rewind(f.get());
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f.get()))
    out.append(buf, n);
  return out;
}

TEST(ProgressPrinter, LinesEveryTenPercentWhenNotATerminal) {
  const auto out = Capture([](std::FILE* f) {
    ProgressPrinter p(f, "electors.csv", false);
    for (std::uint64_t done = 0; done <= 1000; done += 50)
      p(done, 1000, done * 2);
  });
  EXPECT_EQ(out,
            "electors.csv: 10% (200 rows)\nelectors.csv: 20% (400 rows)\n"
            "electors.csv: 30% (600 rows)\nelectors.csv: 40% (800 rows)\n"
            "electors.csv: 50% (1,000 rows)\nelectors.csv: 60% (1,200 rows)\n"
            "electors.csv: 70% (1,400 rows)\nelectors.csv: 80% (1,600 rows)\n"
            "electors.csv: 90% (1,800 rows)\nelectors.csv: 100% (2,000 rows)\n");
}

TEST(ProgressPrinter, BarRedrawsOnlyOnChangeAndEndsWithNewline) {
  const auto out = Capture([](std::FILE* f) {
    ProgressPrinter p(f, "roll", true);
    p(0, 200, 0);
    p(1, 200, 5);  // still 0 %: nothing drawn
    p(100, 200, 500);
    p(200, 200, 1000);
    p(200, 200, 1000);  // after the end: nothing
  });
  EXPECT_EQ(out,
            "\rroll [..............................]   0%  0 rows"
            "\rroll [###############...............]  50%  500 rows"
            "\rroll [##############################] 100%  1,000 rows\n");
}

TEST(ProgressPrinter, EmptyFileFinishesAtOnce) {
  const auto out = Capture([](std::FILE* f) {
    ProgressPrinter p(f, "e", false);
    p(0, 0, 0);
  });
  EXPECT_EQ(out, "e: 100% (0 rows)\n");
}

TEST(GroupThousands, Groups) {
  EXPECT_EQ(GroupThousands(0), "0");
  EXPECT_EQ(GroupThousands(999), "999");
  EXPECT_EQ(GroupThousands(1000), "1,000");
  EXPECT_EQ(GroupThousands(1654005), "1,654,005");
}

}  // namespace
}  // namespace psm::roll
