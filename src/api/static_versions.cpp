// A depth-first walk over the references, so each file is rewritten after what it references and
// its hash covers their versions.
#include "api/static_versions.hpp"

#include <cstdio>
#include <memory>
#include <unordered_map>

#include "core/fnv.hpp"
#include "core/text.hpp"

namespace psm::api {
namespace {

constexpr std::size_t kMaxReferenceLength = 256;

enum class Kind { kOther, kHtml, kScript, kStyle };

Kind KindOf(const StaticFile& f) {
  const std::string_view type = f.content_type;
  if (type.starts_with("text/html")) return Kind::kHtml;
  if (type.starts_with("text/javascript")) return Kind::kScript;
  if (type.starts_with("text/css")) return Kind::kStyle;
  return Kind::kOther;
}

std::string HashOf(std::string_view bytes) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(Fnv1a64(bytes)));
  return buf;
}

class Versioner {
 public:
  explicit Versioner(std::vector<StaticFile>& files) {
    for (auto& f : files) {
      if (!f.is_page) assets_.emplace(f.url_path, &f);
    }
  }

  // The version of `f`, rewriting its references first (once).
  const std::string& Version(StaticFile& f) {
    int& state = state_[&f];
    if (state == kDone) return f.version;
    if (state == kInProgress) {  // a cycle: its bytes as read
      cycle_versions_[&f] = HashOf(*f.body);
      return cycle_versions_[&f];
    }
    state = kInProgress;
    Rewrite(f);
    f.version = HashOf(*f.body);
    state_[&f] = kDone;  // not `state`: the map may have rehashed during Rewrite
    return f.version;
  }

  void Rewrite(StaticFile& f) {
    const Kind kind = KindOf(f);
    if (kind == Kind::kOther) return;
    const std::string in = *f.body;  // a copy: the walk may read this file again in a cycle
    std::string out;
    out.reserve(in.size() + 256);
    std::size_t i = 0;
    while (i < in.size()) {
      const char c = in[i];
      if (c == '"' || c == '\'') {
        const std::size_t close = FindClose(in, i + 1, c);
        if (close != std::string::npos) {
          if (const std::string* v =
                  VersionOf(f, std::string_view(in).substr(i + 1, close - i - 1), false)) {
            out.append(in, i, close - i).append("?v=").append(*v).push_back(c);
            i = close + 1;
            continue;
          }
        }
      } else if (kind == Kind::kStyle && std::string_view(in).substr(i, 4) == "url(") {
        const std::size_t start = i + 4;
        const std::size_t close = FindClose(in, start, ')');
        if (close != std::string::npos && in[start] != '"' && in[start] != '\'') {
          const std::string_view ref = Trim(std::string_view(in).substr(start, close - start));
          if (const std::string* v = VersionOf(f, ref, true)) {
            out.append("url(").append(ref).append("?v=").append(*v).push_back(')');
            i = close + 1;
            continue;
          }
        }
      }
      out.push_back(c);
      ++i;
    }
    f.body = std::make_shared<const std::string>(std::move(out));
  }

 private:
  static constexpr int kInProgress = 1;
  static constexpr int kDone = 2;

  // The position of `close` after `from` on the same line and within kMaxReferenceLength.
  static std::size_t FindClose(const std::string& s, std::size_t from, char close) {
    for (std::size_t j = from; j < s.size() && j - from <= kMaxReferenceLength; ++j) {
      if (s[j] == close) return j;
      if (s[j] == '\n') break;
    }
    return std::string::npos;
  }

  // The version to append to `ref` in `from`, or null when `ref` names no served file.
  const std::string* VersionOf(const StaticFile& from, std::string_view ref, bool bare_ok) {
    const auto path = ResolveReference(from.url_path, ref, bare_ok);
    if (!path) return nullptr;
    const auto it = assets_.find(*path);
    if (it == assets_.end() || it->second == &from) return nullptr;
    return &Version(*it->second);
  }

  std::unordered_map<std::string, StaticFile*> assets_;
  std::unordered_map<const StaticFile*, int> state_;
  std::unordered_map<const StaticFile*, std::string> cycle_versions_;
};

}  // namespace

std::optional<std::string> ResolveReference(std::string_view from, std::string_view ref,
                                            bool bare_ok) {
  if (ref.empty() || ref.starts_with("//")) return std::nullopt;
  for (const char c : ref) {
    if (c == '?' || c == '#' || c == ':' || c == '\\' || c == ' ' || c == '\t' || c == '$' ||
        c == '{' || c == '<' || c == '>')
      return std::nullopt;
  }
  std::string joined;
  if (ref[0] == '/') {
    joined = ref;
  } else if (ref.starts_with("./") || ref.starts_with("../") || bare_ok) {
    joined = std::string(from.substr(0, from.rfind('/') + 1)).append(ref);
  } else {
    return std::nullopt;
  }
  std::vector<std::string_view> parts;
  for (std::string_view seg : Split(joined, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else {
      parts.push_back(seg);
    }
  }
  std::string path;
  for (const auto seg : parts)
    path.append("/").append(seg);
  if (path.empty() || joined.back() == '/') return std::nullopt;  // a folder, never a file
  return path;
}

void VersionReferences(std::vector<StaticFile>& files) {
  Versioner versioner(files);
  for (auto& f : files) {
    if (f.is_page)
      versioner.Rewrite(f);
    else
      versioner.Version(f);
  }
}

}  // namespace psm::api
