// A custom flag (%*) writes the message JSON-escaped, so any text stays one valid JSON line.
#include "app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "core/text.hpp"

namespace psm::app {
namespace {

class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  // Escaped by core/text.hpp, which also replaces bytes that are not UTF-8: a log line must
  // stay valid JSON whatever a message quotes (a client's header, a file's bytes).
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    thread_local std::string escaped;  // reused: no allocation per line once it has grown
    escaped.clear();
    AppendJsonEscaped(escaped, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stdout_logger_mt("psm");
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace psm::app
