// ProgressPrinter: an ImportOptions::progress callback that draws a bar on a terminal and
// prints a plain line every 10 % when the output is a file or a pipe (logs, CI).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace psm::roll {

// Copyable so it can be stored in a std::function; each copy keeps its own position. Writes to
// `out`, which it does not own and which must outlive it. Not thread-safe.
class ProgressPrinter {
 public:
  // `terminal` chooses the redrawn bar (true) or one line per 10 % step (false).
  ProgressPrinter(std::FILE* out, std::string label, bool terminal);
  // Writes to stderr; a bar when stderr is a terminal (isatty), lines otherwise.
  static ProgressPrinter ForStderr(std::string label);

  // The progress callback. Output only changes when the shown percentage does; the call with
  // bytes_done >= bytes_total ends the bar with a newline.
  void operator()(std::uint64_t bytes_done, std::uint64_t bytes_total, std::uint64_t rows);

 private:
  std::FILE* out_;
  std::string label_;
  bool terminal_;
  int shown_ = -1;  // last percentage drawn (bar) or last 10 % step printed (lines)
  bool finished_ = false;
};

// 1654005 → "1,654,005".
std::string GroupThousands(std::uint64_t n);

}  // namespace psm::roll
