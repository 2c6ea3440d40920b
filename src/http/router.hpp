// Maps (method, path) to a handler. Exact paths are looked up in a hash map first, then
// `{name}` patterns, most specific first. Built once at start-up, then read-only: Match() is
// thread-safe on a const Router and allocates only for a 405's Allow list and for captures
// longer than the parameter storage already holds.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "http/reply.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace psm::http {

// Handles one request. May reply before returning (cheapest) or keep `reply` and complete later
// from another thread. `request` is valid only until the handler returns.
using Handler = std::function<void(Request&, Reply)>;

struct RouteOptions {
  // Largest accepted body in bytes; 0 means the server's default_body_limit.
  std::size_t body_limit = 0;
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  // Set when kFound; points into the Router.
  const Handler* handler = nullptr;
  const RouteOptions* options = nullptr;
  // The pattern as registered, e.g. "/api/v1/stations/{id}"; empty unless kFound. Safe as a
  // metrics label because it has bounded cardinality.
  std::string_view route_name;
  // For kMethodNotAllowed: "GET, HEAD, POST" style list for the Allow header.
  std::string allow;
};

class Router {
 public:
  using verb = boost::beast::http::verb;

  // Registers `handler` for `method` on `pattern`. A pattern is "/"-separated; a segment written
  // "{name}" matches any one non-empty segment. A GET route also answers HEAD unless a HEAD route
  // is registered. Registering the same (method, pattern) twice is a bug (asserts).
  void Add(verb method, std::string pattern, Handler handler, RouteOptions options = {});

  // Finds the route for `method` and the decoded `path`. On kFound, `params` holds the route's
  // captures (empty otherwise); its storage is reused, so a session passes the same one each time.
  RouteMatch Match(verb method, std::string_view path, RouteParams* params) const;

  // The largest body limit of any route, or `fallback` if larger; the server reads headers with
  // this limit before the route is known.
  std::size_t MaxBodyLimit(std::size_t fallback) const;

 private:
  struct Endpoint {
    verb method;
    Handler handler;
    RouteOptions options;
  };
  struct Route {
    std::string pattern;
    std::vector<std::string> segments;  // for patterns; "{x}" kept with braces
    std::vector<Endpoint> endpoints;
  };

  static const Endpoint* FindEndpoint(const Route& route, verb method);
  static void AddAllowed(const Route& route, std::vector<std::string_view>* methods);
  static bool MoreSpecific(const Route& a, const Route& b);
  bool MatchPattern(const Route& route, std::string_view path, RouteParams* params) const;

  // Deques keep Route addresses stable as routes are added.
  std::deque<Route> exact_routes_;
  std::unordered_map<std::string_view, Route*> exact_;
  std::deque<Route> pattern_storage_;
  std::vector<Route*> patterns_;  // sorted most specific first
};

}  // namespace psm::http
