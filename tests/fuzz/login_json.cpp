// Fuzzes POST /api/v1/sessions' body as the login handler reads it before any hash is checked:
// JSON object, officer or user form, the station's syntax, the PIN's shape. Also the bearer
// token's shape check, which every authenticated request makes on client bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/login_form.hpp"
#include "api/report_parse.hpp"
#include "auth/token.hpp"
#include "core/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)psm::auth::IsWellFormedToken(body);
  const auto json = psm::api::ParseJsonBody(body);
  if (!json.ok() || !json->is_object()) return 0;
  const auto form = psm::api::ParseLoginForm(*json);
  if (!form.ok()) return 0;
  if (form->kind == psm::api::LoginForm::Kind::kOfficer) {
    if (const auto station = psm::StationId::Parse(form->name)) {
      // A station that parses prints back as something that parses to the same station.
      if (psm::StationId::Parse(station->ToString()) != station) __builtin_trap();
    }
    (void)psm::auth::IsWellFormedPin(form->secret);
  }
  return 0;
}
