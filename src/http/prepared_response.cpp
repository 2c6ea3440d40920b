// HTTP/1.1 keep-alive serialisation in the order Beast's would use: Server, Date, Content-Type, the
// response's own headers, then the defaults it does not override, then Content-Length (when a
// body is allowed). wire_format_test compares it with Beast's serializer byte for byte.
#include "http/prepared_response.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace psm::http {
namespace {

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

bool ResponseHasBody(unsigned status) {
  return !(status == 204 || status == 304 || (status >= 100 && status < 200));
}

std::string_view ReasonPhrase(unsigned status) {
  const auto reason =
      boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  return std::string_view(reason.data(), reason.size());
}

std::size_t AppendResponseHead(std::string& out, const Response& response,
                               const DefaultHeaders& defaults, std::size_t body_size,
                               const HttpDate& date) {
  out.append("HTTP/1.1 ");
  out.append(std::to_string(response.status));
  out.push_back(' ');
  out.append(ReasonPhrase(response.status));
  out.append("\r\n");
  AppendHeader(out, "Server", "psm");
  out.append("Date: ");
  const std::size_t date_at = out.size();
  out.append(date.view());
  out.append("\r\n");
  if (!response.content_type.empty()) AppendHeader(out, "Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers)
    AppendHeader(out, name, value);
  for (const auto& [name, value] : defaults) {
    bool overridden =
        boost::beast::iequals(name, "Server") || boost::beast::iequals(name, "Date") ||
        (boost::beast::iequals(name, "Content-Type") && !response.content_type.empty());
    for (const auto& own : response.headers)
      overridden = overridden || boost::beast::iequals(own.first, name);
    if (!overridden) AppendHeader(out, name, value);
  }
  if (ResponseHasBody(response.status))
    AppendHeader(out, "Content-Length", std::to_string(body_size));
  out.append("\r\n");
  return date_at;
}

std::array<std::string_view, 3> DatedPieces(const PreparedResponse& prepared,
                                            const HttpDate& date) {
  const std::string_view wire(prepared.wire);
  return {wire.substr(0, prepared.date_at), date.view(),
          wire.substr(prepared.date_at + kHttpDateSize)};
}

std::shared_ptr<const PreparedResponse> Prepare(Response response, const DefaultHeaders& defaults) {
  auto prepared = std::make_shared<PreparedResponse>();
  std::string& out = prepared->wire;
  static const std::string kNoBody;
  const std::string& body = response.body ? *response.body : kNoBody;
  out.reserve(256 + body.size());
  prepared->date_at = AppendResponseHead(out, response, defaults, body.size(), CurrentHttpDate());
  if (ResponseHasBody(response.status)) out.append(body);
  prepared->response = std::move(response);
  return prepared;
}

Response Response::FromPrepared(std::shared_ptr<const PreparedResponse> prepared) {
  Response r;
  r.status = prepared->response.status;
  r.close = prepared->response.close;
  // No copy of the body pointer: its count is shared by every thread serving this answer, and
  // a write to it per request would move that cache line between the cores.
  r.prepared = std::move(prepared);
  return r;
}

}  // namespace psm::http
