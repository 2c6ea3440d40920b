// Target parsing and percent-decoding for Request.
#include "http/request.hpp"

#include "core/text.hpp"

namespace psm::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// PercentDecode into `out`, reusing its capacity; false (with `out` unspecified) when malformed
// or when the decoded text is not UTF-8: every handler, problem detail and log line that quotes
// a path or a parameter may then assume it is text.
bool PercentDecodeInto(std::string_view text, bool plus_as_space, std::string& out) {
  out.clear();
  // Nearly every path and query is plain text: copied in one go, into reused capacity.
  if (text.find('%') == std::string_view::npos &&
      (!plus_as_space || text.find('+') == std::string_view::npos)) {
    out.assign(text);
    return IsValidUtf8(out);
  }
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return false;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return IsValidUtf8(out);
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  if (!PercentDecodeInto(text, plus_as_space, out)) return std::nullopt;
  return out;
}

std::string BadTargetDetail(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return "The request target must be a path starting with \"/\" (origin-form).";
  const auto q = target.find('?');
  if (!PercentDecode(target.substr(0, q), false))
    return "The path is not percent-encoded UTF-8 text.";
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto name = PercentDecode(pair.substr(0, eq), true);
    if (!name) return "A query parameter's name is not percent-encoded UTF-8 text.";
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true))
      return "The query parameter \"" + *name + "\" is not percent-encoded UTF-8 text.";
  }
  return "The request target is not an origin-form path of UTF-8 text.";
}

bool Request::SetTarget(std::string_view target) {
  target_.assign(target);
  path_.clear();
  query_.clear();
  if (target.empty() || target.front() != '/') return false;
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }
  if (auto hash = raw_query.find('#'); hash != std::string_view::npos) {
    raw_query = raw_query.substr(0, hash);
  }
  auto malformed = [this] {
    path_.clear();
    query_.clear();
    return false;
  };
  if (!PercentDecodeInto(raw_path, /*plus_as_space=*/false, path_)) return malformed();
  while (!raw_query.empty()) {
    auto amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto& [name, value] = query_.emplace_back();
    if (!PercentDecodeInto(pair.substr(0, eq), true, name) ||
        !PercentDecodeInto(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                           true, value))
      return malformed();
  }
  return true;
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query_) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(boost::beast::string_view(name.data(), name.size()));
  if (it == headers.end()) return {};
  auto v = it->value();
  return std::string_view(v.data(), v.size());
}

bool Request::ContentTypeIs(std::string_view media_type) const {
  std::string_view type = Header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.remove_prefix(1);
  return boost::beast::iequals(boost::beast::string_view(type.data(), type.size()),
                               boost::beast::string_view(media_type.data(), media_type.size()));
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace psm::http
