// The login body's two shapes.
#include "api/login_form.hpp"

namespace psm::api {

Result<LoginForm> ParseLoginForm(const nlohmann::json& body) {
  // find() rather than operator[]: on a const json a missing key is undefined behaviour, and
  // find() is end() for a body that is not an object.
  const auto string_at = [&body](const char* key) -> const nlohmann::json* {
    const auto it = body.find(key);
    return it != body.end() && it->is_string() ? &*it : nullptr;
  };
  if (body.contains("station")) {
    const auto* station = string_at("station");
    const auto* pin = string_at("pin");
    if (!station || !pin)
      return Error::Invalid("bad_login", "send {\"station\":\"34-112\",\"pin\":\"123456\"}");
    return LoginForm{LoginForm::Kind::kOfficer, station->get<std::string>(),
                     pin->get<std::string>()};
  }
  if (body.contains("user")) {
    const auto* user = string_at("user");
    const auto* password = string_at("password");
    if (!user || !password)
      return Error::Invalid("bad_login", "send {\"user\":\"…\",\"password\":\"…\"}");
    return LoginForm{LoginForm::Kind::kUser, user->get<std::string>(),
                     password->get<std::string>()};
  }
  return Error::Invalid("bad_login", "send station + pin (officers) or user + password");
}

}  // namespace psm::api
