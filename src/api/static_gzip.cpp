// zlib's deflate with a gzip wrapper (windowBits 15 + 16), in one call: the whole file is in
// memory, so there is no streaming.
#include "api/static_gzip.hpp"

#include <zlib.h>

#include <algorithm>

#include "core/text.hpp"

namespace psm::api {

std::optional<std::string> Gzip(std::string_view bytes) {
  z_stream z{};
  constexpr int kGzipWindowBits = 15 + 16;  // +16: a gzip header and trailer, not zlib's
  constexpr int kMemLevel = 9;
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const auto written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

namespace {

// The q-value of one Accept-Encoding item's parameters ("q=0.5"); 1 when there is none.
double QualityOf(std::string_view params) {
  for (std::string_view p : Split(params, ';')) {
    p = Trim(p, kBlanks);
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
    const auto q = ParseFiniteDouble(p.substr(2));
    return q ? *q : 0;  // a malformed q-value is taken as a refusal
  }
  return 1;
}

bool SameCoding(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

bool AcceptsGzip(std::string_view header) {
  std::optional<double> gzip;
  std::optional<double> any;
  for (std::string_view item : Split(header, ',')) {
    const auto semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi), kBlanks);
    const std::string_view params =
        semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    if (SameCoding(coding, "gzip") || SameCoding(coding, "x-gzip"))
      gzip = std::max(gzip.value_or(0), QualityOf(params));
    else if (coding == "*")
      any = QualityOf(params);
  }
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

}  // namespace psm::api
