// One-time, thread-safe libsodium initialisation shared by every auth function that uses it.
#pragma once

namespace psm::auth {

// Initialises libsodium on first call (later calls return at once); safe to call from any thread.
// libsodium only fails to start when the OS gives it no entropy source, which leaves no safe way
// to make tokens or hashes, so that failure aborts the process with a message on stderr.
void EnsureSodium();

}  // namespace psm::auth
