// Bearer tokens, their stored hashes, and officer PINs. Everything here is cheap (microseconds)
// and safe on an event-loop thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace psm::auth {

// Length of a NewToken() string: 32 bytes in unpadded base64url.
inline constexpr std::size_t kTokenLength = 43;
// Length of a TokenHash() string: SHA-256 in lower-case hex.
inline constexpr std::size_t kTokenHashLength = 64;
// Officer PINs: 8 digits by default (10^8 values: docs/security.md, "Guessing PINs and
// passwords", shows why 6 are too few for a district); 6 to 10 may be issued, and any PIN of
// those lengths is checked, so PINs issued before a change of length keep working.
inline constexpr std::size_t kMinPinDigits = 6;
inline constexpr std::size_t kMaxPinDigits = 10;
inline constexpr std::size_t kDefaultPinDigits = 8;

// Returns a fresh bearer token: 256 random bits from the OS CSPRNG, base64url without padding
// (43 characters, URL- and header-safe). Thread-safe.
std::string NewToken();

// Returns the lower-case hex SHA-256 of `token`. Only this hash is stored or used as a cache key,
// so a leaked store or log of hashes cannot be replayed as tokens. Tokens carry 256 random bits,
// so a fast unsalted hash is enough; no Argon2 needed. Thread-safe.
std::string TokenHash(std::string_view token);

// True when `token` could have come from NewToken(): exactly 43 base64url characters that decode
// canonically to 32 bytes. Lets a handler refuse junk before any lookup. Thread-safe.
bool IsWellFormedToken(std::string_view token);

// Returns a uniformly random PIN of `digits` digits (kMinPinDigits..kMaxPinDigits), leading
// zeros allowed ("00421795"). Thread-safe.
std::string NewPin(std::size_t digits = kDefaultPinDigits);

// True when `pin` is kMinPinDigits to kMaxPinDigits ASCII digits. Check this before spending an
// Argon2 verify.
bool IsWellFormedPin(std::string_view pin);

}  // namespace psm::auth
