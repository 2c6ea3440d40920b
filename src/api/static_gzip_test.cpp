#include "api/static_gzip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

namespace psm::api {
namespace {

// Inflates a gzip member with zlib (windowBits 15 + 16 accepts gzip only).
std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

TEST(StaticGzip, RoundTripsAndShrinksText) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "export const line" + std::to_string(i % 7) + " = 1;\n";
  const auto gz = Gzip(text);
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->substr(0, 2), std::string("\x1f\x8b", 2)) << "a gzip member";
  EXPECT_LT(gz->size(), text.size() / 10);
  EXPECT_EQ(Gunzip(*gz), text);
  EXPECT_EQ(*Gzip(text), *gz) << "the same bytes every time (and on every node)";
  const auto empty = Gzip("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(Gunzip(*empty), "");
}

TEST(StaticGzip, AcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br, zstd"));  // Chromium's
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity, *;q=0.1"));
  EXPECT_FALSE(AcceptsGzip("")) << "no header: identity";
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=nonsense"));
}

}  // namespace
}  // namespace psm::api
