// Argon2id hashing: round trips for both costs, wrong secrets and malformed hashes.
#include "auth/secret_hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace psm::auth {
namespace {

TEST(AuthSecretHash, PasswordRoundTrip) {
  auto hash = HashSecret("correct horse battery staple", HashCost::kPassword);
  ASSERT_TRUE(hash.ok()) << hash.error().detail;
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_NE(hash->find("m=65536"), std::string::npos) << *hash;  // 64 MiB, INTERACTIVE
  EXPECT_TRUE(VerifySecret(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifySecret(*hash, "correct horse battery stapler"));
  EXPECT_FALSE(VerifySecret(*hash, ""));
}

TEST(AuthSecretHash, PinRoundTripUsesCheapCost) {
  auto hash = HashSecret("004217", HashCost::kPin);
  ASSERT_TRUE(hash.ok()) << hash.error().detail;
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_NE(hash->find("m=8192,t=2"), std::string::npos) << *hash;  // 8 MiB, 2 passes
  EXPECT_TRUE(VerifySecret(*hash, "004217"));
  EXPECT_FALSE(VerifySecret(*hash, "004218"));
  EXPECT_FALSE(VerifySecret(*hash, "4217"));
}

TEST(AuthSecretHash, SaltMakesEachHashDifferent) {
  auto a = HashSecret("123456", HashCost::kPin);
  auto b = HashSecret("123456", HashCost::kPin);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifySecret(*a, "123456"));
  EXPECT_TRUE(VerifySecret(*b, "123456"));
}

TEST(AuthSecretHash, EmptySecretIsRefused) {
  auto hash = HashSecret("", HashCost::kPin);
  ASSERT_FALSE(hash.ok());
  EXPECT_EQ(hash.error().code, ErrorCode::kInvalid);
}

TEST(AuthSecretHash, DummyHashesAreRealHashesOfNoKnownSecret) {
  for (const HashCost cost : {HashCost::kPassword, HashCost::kPin}) {
    const std::string& dummy = DummyHash(cost);
    EXPECT_EQ(dummy.rfind("$argon2id$", 0), 0u) << dummy;
    EXPECT_EQ(&DummyHash(cost), &dummy) << "made once";
    for (const char* guess : {"", "password", "123456", "dummy"})
      EXPECT_FALSE(VerifySecret(dummy, guess)) << guess;
  }
  EXPECT_NE(DummyHash(HashCost::kPassword), DummyHash(HashCost::kPin));
  EXPECT_NE(DummyHash(HashCost::kPin).find("m=8192"), std::string::npos) << "a PIN's cost";
}

TEST(AuthSecretHash, MalformedHashNeverVerifies) {
  auto good = HashSecret("123456", HashCost::kPin);
  ASSERT_TRUE(good.ok());
  std::string truncated = good->substr(0, good->size() - 5);
  std::string embedded_nul = *good;
  embedded_nul[3] = '\0';
  for (const std::string& bad :
       {std::string(), std::string("123456"), std::string("$argon2id$"), truncated, embedded_nul,
        std::string(500, 'a'),
        std::string("$2b$12$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS")}) {
    EXPECT_FALSE(VerifySecret(bad, "123456")) << bad;
  }
}

}  // namespace
}  // namespace psm::auth
