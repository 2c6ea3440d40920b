#include "core/thread_name.hpp"

#include <pthread.h>

namespace psm {

namespace {
constexpr std::size_t kMaxName = 15;  // TASK_COMM_LEN minus the terminating NUL
}

void NameThisThread(const std::string& name) {
  const std::string cut = name.substr(0, kMaxName);
  // Only ERANGE (too long) can fail for the calling thread, and the name was cut to fit.
  (void)pthread_setname_np(pthread_self(), cut.c_str());
}

std::string ThisThreadName() {
  char buf[kMaxName + 1] = {};
  if (pthread_getname_np(pthread_self(), buf, sizeof buf) != 0) return {};
  return buf;
}

}  // namespace psm
