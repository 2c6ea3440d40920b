// libsodium start-up: sodium_init() is itself idempotent, but a function-local static makes the
// "done" check a single atomic load on every later call.
#include "auth/sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace psm::auth {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("psm: libsodium failed to initialise (no entropy source?)\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

}  // namespace psm::auth
