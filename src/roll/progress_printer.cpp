// Progress output for long imports.
#include "roll/progress_printer.hpp"

#include <unistd.h>

#include <algorithm>

namespace psm::roll {

ProgressPrinter::ProgressPrinter(std::FILE* out, std::string label, bool terminal)
    : out_(out), label_(std::move(label)), terminal_(terminal) {}

ProgressPrinter ProgressPrinter::ForStderr(std::string label) {
  return ProgressPrinter(stderr, std::move(label), isatty(fileno(stderr)) == 1);
}

void ProgressPrinter::operator()(std::uint64_t bytes_done, std::uint64_t bytes_total,
                                 std::uint64_t rows) {
  if (finished_) return;
  const bool last = bytes_done >= bytes_total;
  const int pct =
      last ? 100 : static_cast<int>(std::min<std::uint64_t>(100, bytes_done * 100 / bytes_total));
  if (terminal_) {
    if (pct == shown_ && !last) return;
    constexpr int kWidth = 30;
    const int filled = pct * kWidth / 100;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(kWidth - filled), '.');
    std::fprintf(out_, "\r%s [%s] %3d%%  %s rows%s", label_.c_str(), bar.c_str(), pct,
                 GroupThousands(rows).c_str(), last ? "\n" : "");
  } else {
    const int step = pct / 10 * 10;
    if (step <= shown_ || (step == 0 && !last)) return;
    std::fprintf(out_, "%s: %d%% (%s rows)\n", label_.c_str(), step, GroupThousands(rows).c_str());
  }
  std::fflush(out_);
  shown_ = terminal_ ? pct : pct / 10 * 10;
  finished_ = last;
}

std::string GroupThousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace psm::roll
