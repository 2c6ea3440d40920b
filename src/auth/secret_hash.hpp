// Argon2id hashes of passwords and officer PINs (libsodium's crypto_pwhash_str format).
// Each call takes milliseconds of CPU and tens of MiB of memory: never call these on an
// event-loop thread; hand them to a worker pool.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace psm::auth {

// How expensive a hash is to compute (and so to brute-force offline).
enum class HashCost {
  // Control-room passwords: libsodium's INTERACTIVE limits (2 passes, 64 MiB).
  kPassword,
  // Officer PINs: 2 passes, 8 MiB. `psm admin issue-pins` hashes one PIN for each of the 1,951
  // stations, and at the INTERACTIVE cost that run takes minutes and 64 MiB per worker. A
  // PIN has only 10^8 values (8 digits), so no affordable Argon2 cost stops an offline search of a
  // stolen hash anyway; what protects a PIN is the online back-off (GuessThrottle) plus rate
  // limits. The hash exists so the store never holds PINs in plain text, and the cheaper cost
  // loses little.
  kPin,
};

// Returns an Argon2id string ("$argon2id$v=19$m=...") that embeds its salt and cost, so
// VerifySecret needs nothing else. Errors: kInvalid for an empty secret, kInternal when
// libsodium cannot allocate the memory the cost asks for. Thread-safe; blocks on CPU.
Result<std::string> HashSecret(std::string_view secret, HashCost cost);

// True when `secret` matches `hash`. The comparison is constant-time (libsodium). Returns false
// for a wrong secret and for a malformed or unsupported hash. Thread-safe; blocks on CPU for as
// long as the hash's embedded cost demands.
bool VerifySecret(std::string_view hash, std::string_view secret);

// A hash at `cost` of a random secret nobody knows, made on first use and kept: a login for a
// user or station with no hash of its own verifies against it, so it takes as long as a wrong
// password and the time does not tell which names exist. Thread-safe; the first call blocks on
// CPU like HashSecret.
const std::string& DummyHash(HashCost cost);

}  // namespace psm::auth
