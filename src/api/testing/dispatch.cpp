// The reply is caught by a Receiver of our own: a promise fulfilled by the first answer, or with
// "dropped" when the last Reply goes away without one, so a test waits on a future, never sleeps.
#include "api/testing/dispatch.hpp"

#include <atomic>
#include <future>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/problem.hpp"
#include "http/reply.hpp"

namespace psm::api::testing {
namespace {

namespace bhttp = boost::beast::http;
using Outcome = std::optional<http::Response>;  // nullopt: dropped without an answer

class Capture final : public http::Reply::Receiver {
 public:
  explicit Capture(std::promise<Outcome> promise) : promise_(std::move(promise)) {}
  ~Capture() override {
    if (!done_) promise_.set_value(std::nullopt);
  }
  void Complete(http::Response response) override {
    // Like the session, the first answer wins; later calls are a handler bug the test sees as
    // nothing (they cannot reach a client either).
    if (done_.exchange(true)) return;
    promise_.set_value(std::move(response));
  }

 private:
  std::promise<Outcome> promise_;
  std::atomic<bool> done_{false};
};

// Parses the bytes the server would write; status 0 if they do not parse (a test then fails).
TestResponse ParseWire(std::string_view wire) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  while (!parser.is_done() && !wire.empty() && !ec) {
    const std::size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
    wire.remove_prefix(used);
  }
  TestResponse out;
  if (ec || !parser.is_done()) return out;
  const auto& message = parser.get();
  out.status = message.result_int();
  for (const auto& field : message)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  out.body = message.body();
  return out;
}

TestResponse Convert(http::Response response, const http::DefaultHeaders& defaults) {
  if (response.stream) {
    TestResponse out;
    out.status = response.status;
    out.stream = true;
    out.headers.assign(response.headers.begin(), response.headers.end());
    return out;
  }
  if (response.prepared) return ParseWire(response.prepared->wire);
  return ParseWire(http::Prepare(std::move(response), defaults)->wire);
}

}  // namespace

std::string TestResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, boost::beast::string_view(name.data(), name.size())))
      return value;
  }
  return "";
}

nlohmann::json TestResponse::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string TestResponse::ProblemReason() const {
  const auto j = Json();
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return "";
  const std::string type = j["type"].get<std::string>();
  if (type.rfind(http::kProblemTypeBase, 0) != 0) return "";
  return type.substr(http::kProblemTypeBase.size());
}

TestResponse Dispatch(const http::Router& router, const TestRequest& request,
                      const http::DefaultHeaders& defaults, std::chrono::milliseconds timeout) {
  http::Request req;
  req.method = request.method;
  if (!req.SetTarget(request.target))
    return Convert(http::BadRequest("bad target in test"), defaults);
  for (const auto& [name, value] : request.headers)
    req.headers.insert(name, value);
  req.body = request.body;
  req.client_ip = request.client_ip;
  req.client_key = request.client_ip;
  req.received_at = http::Request::Clock::now();

  const http::RouteMatch match = router.Match(req.method, req.path(), req.mutable_params());
  switch (match.kind) {
    case http::RouteMatch::Kind::kNotFound:
      return Convert(http::NotFoundProblem(req.path()), defaults);
    case http::RouteMatch::Kind::kMethodNotAllowed:
      return Convert(http::MethodNotAllowed(match.allow), defaults);
    case http::RouteMatch::Kind::kFound:
      break;
  }
  std::promise<Outcome> promise;
  std::future<Outcome> answer = promise.get_future();
  (*match.handler)(req, http::Reply(std::make_shared<Capture>(std::move(promise))));
  if (answer.wait_for(timeout) != std::future_status::ready) return TestResponse{};
  Outcome outcome = answer.get();
  if (!outcome) {
    TestResponse out;
    out.dropped = true;
    return out;
  }
  return Convert(std::move(*outcome), defaults);
}

}  // namespace psm::api::testing
