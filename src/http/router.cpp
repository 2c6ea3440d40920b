// Router: exact hash lookup, then specificity-ordered patterns, with 405 detection.
#include "http/router.hpp"

#include <algorithm>
#include <cassert>

namespace psm::http {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void Router::Add(verb method, std::string pattern, Handler handler, RouteOptions options) {
  assert(!pattern.empty() && pattern.front() == '/');
  bool has_param = pattern.find('{') != std::string::npos;
  Route* route = nullptr;
  if (!has_param) {
    auto it = exact_.find(pattern);
    if (it != exact_.end()) {
      route = it->second;
    } else {
      route = &exact_routes_.emplace_back();
      route->pattern = std::move(pattern);
      exact_.emplace(route->pattern, route);
    }
  } else {
    auto it = std::find_if(patterns_.begin(), patterns_.end(),
                           [&](const Route* r) { return r->pattern == pattern; });
    if (it != patterns_.end()) {
      route = *it;
    } else {
      route = &pattern_storage_.emplace_back();
      route->segments = Split(pattern);
      route->pattern = std::move(pattern);
      auto pos =
          std::upper_bound(patterns_.begin(), patterns_.end(), route,
                           [](const Route* a, const Route* b) { return MoreSpecific(*a, *b); });
      patterns_.insert(pos, route);
    }
  }
  for ([[maybe_unused]] const Endpoint& e : route->endpoints)
    assert(e.method != method);
  route->endpoints.push_back(Endpoint{method, std::move(handler), options});
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  std::size_t n = std::min(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    bool pa = IsParam(a.segments[i]);
    bool pb = IsParam(b.segments[i]);
    if (pa != pb) return !pa;  // a literal segment beats a capture at the first difference
  }
  return false;
}

const Router::Endpoint* Router::FindEndpoint(const Route& route, verb method) {
  const Endpoint* get = nullptr;
  for (const Endpoint& e : route.endpoints) {
    if (e.method == method) return &e;
    if (e.method == verb::get) get = &e;
  }
  return method == verb::head ? get : nullptr;
}

void Router::AddAllowed(const Route& route, std::vector<std::string_view>* methods) {
  bool has_head = false;
  for (const Endpoint& e : route.endpoints)
    has_head |= e.method == verb::head;
  auto append = [&](std::string_view name) {
    if (std::find(methods->begin(), methods->end(), name) == methods->end()) {
      methods->push_back(name);
    }
  };
  for (const Endpoint& e : route.endpoints) {
    auto name = boost::beast::http::to_string(e.method);
    append(std::string_view(name.data(), name.size()));
    if (e.method == verb::get && !has_head) append("HEAD");
  }
}

bool Router::MatchPattern(const Route& route, std::string_view path, RouteParams* params) const {
  if (path.empty() || path.front() != '/') return false;
  std::size_t start = 1;
  std::size_t index = 0;
  std::size_t captured = 0;
  while (true) {
    if (index >= route.segments.size()) return false;
    auto slash = path.find('/', start);
    std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::string_view segment = path.substr(start, end - start);
    const std::string& want = route.segments[index];
    if (IsParam(want)) {
      if (segment.empty()) return false;
      // Assigning into entries kept from earlier requests reuses their strings' capacity.
      if (captured == params->size()) params->emplace_back();
      auto& [name, value] = (*params)[captured++];
      name = std::string_view(want).substr(1, want.size() - 2);
      value.assign(segment);
    } else if (segment != want) {
      return false;
    }
    ++index;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (index != route.segments.size()) return false;
  params->resize(captured);
  return true;
}

RouteMatch Router::Match(verb method, std::string_view path, RouteParams* params) const {
  RouteMatch m;
  params->clear();
  std::vector<std::string_view> allowed;
  if (auto it = exact_.find(path); it != exact_.end()) {
    if (const Endpoint* e = FindEndpoint(*it->second, method)) {
      m.kind = RouteMatch::Kind::kFound;
      m.handler = &e->handler;
      m.options = &e->options;
      m.route_name = it->second->pattern;
      return m;
    }
    AddAllowed(*it->second, &allowed);
  }
  // A pattern matches only paths with as many segments: counting them once skips the others
  // without walking them.
  const auto segments = static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
  for (const Route* route : patterns_) {
    if (route->segments.size() != segments || !MatchPattern(*route, path, params)) continue;
    if (const Endpoint* e = FindEndpoint(*route, method)) {
      m.kind = RouteMatch::Kind::kFound;
      m.handler = &e->handler;
      m.options = &e->options;
      m.route_name = route->pattern;
      return m;
    }
    AddAllowed(*route, &allowed);
  }
  params->clear();
  if (!allowed.empty()) {
    m.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (std::string_view name : allowed) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += name;
    }
  }
  return m;
}

std::size_t Router::MaxBodyLimit(std::size_t fallback) const {
  std::size_t best = fallback;
  auto scan = [&](const Route& r) {
    for (const Endpoint& e : r.endpoints)
      best = std::max(best, e.options.body_limit);
  };
  for (const Route& r : exact_routes_)
    scan(r);
  for (const Route& r : pattern_storage_)
    scan(r);
  return best;
}

}  // namespace psm::http
