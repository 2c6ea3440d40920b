// Blocks SIGPIPE for a scope on this thread (the technique libcurl and OpenSSL users share).
#include "redis/no_sigpipe.hpp"

#include <pthread.h>

#include <ctime>

namespace psm::redis::detail {
namespace {

sigset_t PipeSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  return set;
}

bool PipePending() {
  sigset_t pending;
  sigemptyset(&pending);
  return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

NoSigpipe::NoSigpipe() {
  was_pending_ = PipePending();
  const sigset_t pipe = PipeSet();
  pthread_sigmask(SIG_BLOCK, &pipe, &old_mask_);
}

NoSigpipe::~NoSigpipe() {
  if (!was_pending_ && PipePending()) {
    const sigset_t pipe = PipeSet();
    const timespec zero{0, 0};
    sigtimedwait(&pipe, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace psm::redis::detail
