// Response factories.
#include "http/response.hpp"

#include <nlohmann/json.hpp>

#include "http/problem.hpp"

namespace psm::http {
namespace {

std::shared_ptr<const std::string> EmptyBody() {
  static const auto kEmpty = std::make_shared<const std::string>();
  return kEmpty;
}

}  // namespace

Response Response::Json(unsigned status, std::string body) {
  return Shared(status, std::make_shared<const std::string>(std::move(body)), "application/json");
}

Response Response::Shared(unsigned status, std::shared_ptr<const std::string> body,
                          std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = body ? std::move(body) : EmptyBody();
  return r;
}

Response Response::Text(unsigned status, std::string body, std::string content_type) {
  return Shared(status, std::make_shared<const std::string>(std::move(body)),
                std::move(content_type));
}

Response Response::NotModified(std::string etag) {
  Response r;
  r.status = 304;
  r.body = EmptyBody();
  if (!etag.empty()) r.headers.emplace_back("ETag", std::move(etag));
  return r;
}

Response Response::Problem(unsigned status, std::string title, std::string detail,
                           std::string type_suffix) {
  nlohmann::json j = {{"type", ProblemTypeUri(type_suffix)},
                      {"title", std::move(title)},
                      {"status", status},
                      {"detail", std::move(detail)}};
  return Shared(status, std::make_shared<const std::string>(j.dump()), "application/problem+json");
}

Response Response::EventStream(std::shared_ptr<SseSubscription> subscription) {
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.body = EmptyBody();
  r.stream = std::move(subscription);
  return r;
}

}  // namespace psm::http
