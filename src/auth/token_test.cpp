// Tokens, token hashes and PINs.
#include "auth/token.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace psm::auth {
namespace {

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

TEST(AuthToken, FormatAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string t = NewToken();
    ASSERT_EQ(t.size(), kTokenLength);
    for (char c : t)
      ASSERT_TRUE(IsBase64UrlChar(c)) << t;
    EXPECT_TRUE(IsWellFormedToken(t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(AuthToken, HashKnownVector) {
  // FIPS 180-2 example: SHA-256("abc").
  EXPECT_EQ(TokenHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(TokenHash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string t = NewToken();
  EXPECT_EQ(TokenHash(t).size(), kTokenHashLength);
  EXPECT_EQ(TokenHash(t), TokenHash(t));
  EXPECT_NE(TokenHash(t), TokenHash(NewToken()));
}

TEST(AuthToken, RejectsMalformedTokens) {
  const std::string good = NewToken();
  EXPECT_FALSE(IsWellFormedToken(""));
  EXPECT_FALSE(IsWellFormedToken(good.substr(1)));
  EXPECT_FALSE(IsWellFormedToken(good + "A"));
  std::string bad_char = good;
  bad_char[10] = '+';  // standard base64, not base64url
  EXPECT_FALSE(IsWellFormedToken(bad_char));
  std::string padded = good;
  padded.back() = '=';
  EXPECT_FALSE(IsWellFormedToken(padded));
  // 43 characters carry 258 bits; the last two must be zero for 32 canonical bytes. 'B' = 000001.
  std::string non_canonical = std::string(42, 'A') + "B";
  EXPECT_FALSE(IsWellFormedToken(non_canonical));
  EXPECT_TRUE(IsWellFormedToken(std::string(42, 'A') + "E"));  // 'E' = 000100: canonical
}

TEST(AuthPin, FormatAndRoughUniformity) {
  constexpr int kDraws = 20000;
  std::array<std::array<int, 10>, kDefaultPinDigits> digit_counts{};
  int leading_zero = 0;
  std::set<std::string> distinct;
  for (int i = 0; i < kDraws; ++i) {
    const std::string pin = NewPin();
    ASSERT_EQ(pin.size(), kDefaultPinDigits);
    ASSERT_TRUE(IsWellFormedPin(pin)) << pin;
    for (std::size_t pos = 0; pos < kDefaultPinDigits; ++pos)
      ++digit_counts[pos][pin[pos] - '0'];
    if (pin[0] == '0') ++leading_zero;
    distinct.insert(pin);
  }
  // Each digit at each position: expected 2,000, sd ~42; 1,700..2,300 is over 7 sd either way.
  for (std::size_t pos = 0; pos < kDefaultPinDigits; ++pos) {
    for (int d = 0; d < 10; ++d) {
      EXPECT_GT(digit_counts[pos][d], 1700) << "position " << pos << " digit " << d;
      EXPECT_LT(digit_counts[pos][d], 2300) << "position " << pos << " digit " << d;
    }
  }
  EXPECT_GT(leading_zero, 0);
  // 20,000 draws from 10^8 values: ~2 expected collisions.
  EXPECT_GT(distinct.size(), 19980u);
}

TEST(AuthPin, OtherLengthsOnRequest) {
  EXPECT_EQ(NewPin(6).size(), 6u);
  EXPECT_EQ(NewPin(10).size(), 10u);
  EXPECT_EQ(NewPin(3).size(), kMinPinDigits);  // never shorter
  EXPECT_EQ(NewPin(40).size(), kMaxPinDigits);
  EXPECT_TRUE(IsWellFormedPin(NewPin(10)));
}

TEST(AuthPin, WellFormedPin) {
  EXPECT_TRUE(IsWellFormedPin("000000"));  // issued before PINs grew to 8 digits
  EXPECT_TRUE(IsWellFormedPin("999999"));
  EXPECT_TRUE(IsWellFormedPin("00421795"));
  EXPECT_TRUE(IsWellFormedPin("1234567890"));
  EXPECT_FALSE(IsWellFormedPin("12345"));
  EXPECT_FALSE(IsWellFormedPin("12345678901"));
  EXPECT_FALSE(IsWellFormedPin("12a456"));
  EXPECT_FALSE(IsWellFormedPin(" 12345"));
  EXPECT_FALSE(IsWellFormedPin(""));
}

}  // namespace
}  // namespace psm::auth
