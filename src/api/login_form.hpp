// What a login body asks for: an officer's station and PIN, or a user's name and password.
// Pure: the shape is checked here, the credentials by the session handlers.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace psm::api {

struct LoginForm {
  enum class Kind { kOfficer, kUser };
  Kind kind = Kind::kOfficer;
  std::string name;    // the station as sent ("34-112"), or the user name
  std::string secret;  // the PIN or the password
};

// Reads a login body already parsed as a JSON object: "station" makes it an officer's (with a
// string "pin"), else "user" a user's (with a string "password"). kInvalid "bad_login" otherwise.
Result<LoginForm> ParseLoginForm(const nlohmann::json& body);

}  // namespace psm::api
