// How a request's body is framed by Transfer-Encoding: psm reads the chunked coding only, and
// only as the last one, so any other coding is refused before a byte of the body is read.
#pragma once

#include <boost/beast/http/fields.hpp>

namespace psm::http {

enum class TransferCoding {
  kNone,         // no Transfer-Encoding: Content-Length (or nothing) frames the body
  kChunked,      // exactly "chunked"
  kUnframed,     // chunked missing, not last, or twice: the body's length is unknown (400)
  kUnsupported,  // chunked last after a coding psm does not decode, e.g. "gzip, chunked" (501)
};

// Reads every Transfer-Encoding field of `fields` as one comma-separated list of codings
// (names case-insensitive, parameters and empty elements ignored; RFC 9112 §6.1, §7).
TransferCoding RequestTransferCoding(const boost::beast::http::fields& fields);

}  // namespace psm::http
