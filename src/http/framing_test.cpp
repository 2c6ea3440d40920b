// Transfer-Encoding as a request framing: chunked alone is read; anything else is refused.
#include "http/framing.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace psm::http {
namespace {

TransferCoding CodingOf(std::initializer_list<const char*> values) {
  boost::beast::http::fields fields;
  for (const char* v : values)
    fields.insert(boost::beast::http::field::transfer_encoding, v);
  return RequestTransferCoding(fields);
}

TEST(HttpFraming, NoTransferEncodingLeavesContentLength) {
  EXPECT_EQ(RequestTransferCoding({}), TransferCoding::kNone);
}

TEST(HttpFraming, ChunkedAloneInAnyCaseAndSpacing) {
  EXPECT_EQ(CodingOf({"chunked"}), TransferCoding::kChunked);
  EXPECT_EQ(CodingOf({"Chunked"}), TransferCoding::kChunked);
  EXPECT_EQ(CodingOf({" chunked\t"}), TransferCoding::kChunked);
  EXPECT_EQ(CodingOf({", chunked,"}), TransferCoding::kChunked);  // empty list elements
}

TEST(HttpFraming, AFinalCodingOtherThanChunkedCannotBeFramed) {
  for (const char* v : {"gzip", "identity", "xchunked", "chunked, identity", "chunkedx",
                        "chunked;q=1, gzip", "", " , "}) {
    EXPECT_EQ(CodingOf({v}), TransferCoding::kUnframed) << "'" << v << "'";
  }
  // Two fields read as one list: the last of them decides.
  EXPECT_EQ(CodingOf({"chunked", "gzip"}), TransferCoding::kUnframed);
  // Chunked may be applied once only.
  EXPECT_EQ(CodingOf({"chunked, chunked"}), TransferCoding::kUnframed);
  EXPECT_EQ(CodingOf({"chunked", "chunked"}), TransferCoding::kUnframed);
}

TEST(HttpFraming, ACodingBeforeChunkedIsNotImplemented) {
  EXPECT_EQ(CodingOf({"gzip, chunked"}), TransferCoding::kUnsupported);
  EXPECT_EQ(CodingOf({"gzip", "chunked"}), TransferCoding::kUnsupported);
  EXPECT_EQ(CodingOf({"deflate;x=1, Chunked"}), TransferCoding::kUnsupported);
}

}  // namespace
}  // namespace psm::http
