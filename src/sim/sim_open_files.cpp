// setrlimit(RLIMIT_NOFILE) up to the hard limit.
#include "sim/sim_open_files.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace psm::sim {

std::string RaiseOpenFileLimit(std::uint64_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return std::string("cannot read the open-file limit: ") + std::strerror(errno);
  }
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    return "the open-file limit is " + std::to_string(limit.rlim_cur) + " but about " +
           std::to_string(wanted) +
           " are wanted (a connection per station); some connections may fail (raise it with "
           "ulimit -n, or simulate fewer stations with --ac)";
  }
  return "";
}

}  // namespace psm::sim
