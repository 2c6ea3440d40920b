#include "api/login_form.hpp"

#include <gtest/gtest.h>

namespace psm::api {
namespace {

using nlohmann::json;

TEST(ApiLoginForm, ReadsAnOfficersOrAUsersLogin) {
  const auto officer = ParseLoginForm(json::parse(R"({"station":"34-112","pin":"12345678"})"));
  ASSERT_TRUE(officer.ok());
  EXPECT_EQ(officer->kind, LoginForm::Kind::kOfficer);
  EXPECT_EQ(officer->name, "34-112");
  EXPECT_EQ(officer->secret, "12345678");
  const auto user = ParseLoginForm(json::parse(R"({"user":"admin","password":"pw"})"));
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->kind, LoginForm::Kind::kUser);
  EXPECT_EQ(user->name, "admin");
  EXPECT_EQ(user->secret, "pw");
}

TEST(ApiLoginForm, RefusesOtherShapes) {
  for (const char* bad :
       {R"({"station":"34-112"})", R"({"station":34,"pin":"1"})", R"({"station":"1-1","pin":1})",
        R"({"user":"a"})", R"({"user":null,"password":"p"})", R"({"nobody":true})", R"({})",
        R"([1])", R"("station")"}) {
    const auto form = ParseLoginForm(json::parse(bad));
    ASSERT_FALSE(form.ok()) << bad;
    EXPECT_EQ(form.error().reason, "bad_login") << bad;
  }
}

}  // namespace
}  // namespace psm::api
