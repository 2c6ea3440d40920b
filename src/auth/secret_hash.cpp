// Argon2id hashing through libsodium.
#include "auth/secret_hash.hpp"

#include <sodium.h>

#include <cstring>

#include "auth/sodium_init.hpp"

namespace psm::auth {
namespace {

struct Limits {
  unsigned long long ops;
  std::size_t mem;
};

Limits LimitsFor(HashCost cost) {
  switch (cost) {
    case HashCost::kPassword:
      return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    case HashCost::kPin:
      return {2, std::size_t{8} << 20};
  }
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

}  // namespace

Result<std::string> HashSecret(std::string_view secret, HashCost cost) {
  if (secret.empty()) {
    return Error::Invalid("empty_secret", "a password or PIN must not be empty");
  }
  EnsureSodium();
  const Limits limits = LimitsFor(cost);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), limits.ops, limits.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Internal("hash_failed", "could not hash the secret (out of memory?)");
  }
  return std::string(out);
}

bool VerifySecret(std::string_view hash, std::string_view secret) {
  // libsodium wants a NUL-terminated string that fits its fixed buffer; anything longer (or
  // with an embedded NUL) cannot be one of its hashes.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES ||
      hash.find('\0') != std::string_view::npos) {
    return false;
  }
  EnsureSodium();
  char buf[crypto_pwhash_STRBYTES] = {};
  std::memcpy(buf, hash.data(), hash.size());
  // An empty string_view may carry a null pointer; give libsodium a real one.
  const char* pw = secret.empty() ? "" : secret.data();
  return crypto_pwhash_str_verify(buf, pw, secret.size()) == 0;
}

namespace {

std::string MakeDummyHash(HashCost cost) {
  unsigned char random[32];
  EnsureSodium();
  randombytes_buf(random, sizeof random);
  char hex[sizeof random * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, random, sizeof random);
  auto hash = HashSecret(hex, cost);
  // Only an allocation failure stops it; verifying against "" then fails as fast as before,
  // which costs the timing, never a login.
  return hash.ok() ? *hash : std::string();
}

}  // namespace

const std::string& DummyHash(HashCost cost) {
  static const std::string password = MakeDummyHash(HashCost::kPassword);
  if (cost == HashCost::kPassword) return password;
  static const std::string pin = MakeDummyHash(HashCost::kPin);
  return pin;
}

}  // namespace psm::auth
