// Tokens and PINs from libsodium's CSPRNG; SHA-256 token hashes.
#include "auth/token.hpp"

#include <sodium.h>
#include <algorithm>

#include <cstdint>
#include <cstdio>

#include "auth/sodium_init.hpp"

namespace psm::auth {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr int kB64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
static_assert(sodium_base64_ENCODED_LEN(kTokenBytes, kB64Variant) == kTokenLength + 1);

}  // namespace

std::string NewToken() {
  EnsureSodium();
  unsigned char bytes[kTokenBytes];
  randombytes_buf(bytes, sizeof bytes);
  char text[kTokenLength + 1];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, kB64Variant);
  sodium_memzero(bytes, sizeof bytes);
  return std::string(text, kTokenLength);
}

std::string TokenHash(std::string_view token) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  const auto* in = reinterpret_cast<const unsigned char*>(token.empty() ? "" : token.data());
  crypto_hash_sha256(digest, in, token.size());
  char hex[kTokenHashLength + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, kTokenHashLength);
}

bool IsWellFormedToken(std::string_view token) {
  if (token.size() != kTokenLength) return false;
  EnsureSodium();
  // sodium_base642bin rejects characters outside the alphabet and non-zero trailing bits, so a
  // successful decode of exactly 32 bytes means the text is canonical.
  unsigned char bytes[kTokenBytes];
  std::size_t len = 0;
  const char* end = nullptr;
  const int rc = sodium_base642bin(bytes, sizeof bytes, token.data(), token.size(), nullptr, &len,
                                   &end, kB64Variant);
  return rc == 0 && len == kTokenBytes && end == token.data() + token.size();
}

std::string NewPin(std::size_t digits) {
  EnsureSodium();
  digits = std::clamp(digits, kMinPinDigits, kMaxPinDigits);
  // One uniform digit at a time (randombytes_uniform avoids modulo bias), so every PIN of this
  // length is equally likely, leading zeros included.
  std::string pin(digits, '0');
  for (char& c : pin)
    c = static_cast<char>('0' + randombytes_uniform(10));
  return pin;
}

bool IsWellFormedPin(std::string_view pin) {
  if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits) return false;
  for (char c : pin) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace psm::auth
