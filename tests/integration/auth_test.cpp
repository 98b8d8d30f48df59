// Authentication end to end (docs/auth.md): `vigil user` against the configured
// database, the authenticated listener, and port 5000 unchanged with auth off and on.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.h"

namespace vigil::test {
namespace {

std::string vigil_bin() { return std::getenv("VIGIL_BIN"); }

// `vigil user …` on `config`, the password on stdin; its exit status and output.
std::pair<int, std::string> user_cmd(const std::string& config, const std::string& args, const std::string& password) {
  const std::string out = run("printf '%s\\n' '" + password + "' | " + vigil_bin() + " --config " + config + " user " +
                              args + " 2>&1; echo \"exit=$?\"");
  const size_t at = out.rfind("exit=");
  return {std::stoi(out.substr(at + 5)), out.substr(0, at)};
}

std::string curl(const std::string& args) { return run("curl -s -m 5 " + args + " 2>&1"); }

}  // namespace

TEST(AuthListener, OffByDefaultAnd5000Unchanged) {
  Vigil v("cameras: {}\n");
  ASSERT_TRUE(v.wait_ready()) << v.log();
  EXPECT_EQ(http_get(v.port(), "/api/config").status, 200);
  EXPECT_EQ(http_get(v.port(), "/api/login", 5, "POST").status, 405);  // the 0.8 profile has no login
  // As Frigate's unauthenticated port: everyone is "anonymous" (a viewer: 0.8 only reads).
  EXPECT_EQ(http_get(v.port(), "/api/profile").body, "{\"role\":\"viewer\",\"username\":\"anonymous\"}\n");
  EXPECT_EQ(v.log().find("vigil.auth"), std::string::npos) << v.log();
}

TEST(AuthListener, LoginOnItsPortWhile5000StaysOpen) {
  const int aport = free_port();
  const std::string dir = temp_dir();
  Vigil v("cameras: {}\nauth:\n  enabled: true\n  host: 127.0.0.1\n  port: " + std::to_string(aport) + "\n", dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(eventually([&] { return port_accepts(aport); })) << v.log();
  const std::string config = dir + "/config.yml";

  auto [st, out] = user_cmd(config, "add alice --role admin", "Pa55-word-alice");
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(out.find("Pa55"), std::string::npos) << out;
  EXPECT_EQ(user_cmd(config, "add alice", "another-one").first, 1);  // exists
  EXPECT_EQ(user_cmd(config, "add bob --role root", "whatever-1").first, 2);
  EXPECT_EQ(user_cmd(config, "add carol", "short").first, 1);  // under 8 characters
  EXPECT_EQ(user_cmd(config, "passwd nobody", "whatever-1").first, 1);

  // 5000: the 0.8 profile, open and unchanged.
  EXPECT_EQ(http_get(v.port(), "/api/config").status, 200);
  EXPECT_EQ(http_get(v.port(), "/api/login", 5, "POST").status, 405);
  // The authenticated listener: nothing without a token.
  EXPECT_EQ(http_get(aport, "/api/config").status, 401);
  EXPECT_EQ(http_get(aport, "/api/stats").status, 401);
  EXPECT_EQ(http_get(aport, "/clips/x.jpg").status, 401);
  const std::string url = "http://127.0.0.1:" + std::to_string(aport);
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code}' -X POST -d '{\"user\":\"alice\",\"password\":\"wrong-pass\"}' " + url +
                 "/api/login"),
            "401");
  const std::string jar = dir + "/cookies";
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code}' -c " + jar +
                 " -X POST -d '{\"user\":\"alice\",\"password\":" + "\"Pa55-word-alice\"}' " + url + "/api/login"),
            "200");
  EXPECT_EQ(curl("-b " + jar + " " + url + "/api/profile"), "{\"role\":\"admin\",\"username\":\"alice\"}\n");
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code}' -b " + jar + " " + url + "/api/config"), "200");

  // A changed password works at once; a removed user's cookie stops working.
  EXPECT_EQ(user_cmd(config, "passwd alice", "New-Pa55-word").first, 0);
  EXPECT_EQ(user_cmd(config, "del alice", "").first, 0);
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code}' -b " + jar + " " + url + "/api/config"), "401");

  // Nothing secret in the log; the failed login is there.
  const std::string log = v.log();
  EXPECT_NE(log.find("failed login"), std::string::npos) << log;
  for (const char* secret : {"Pa55-word-alice", "wrong-pass", "New-Pa55"})
    EXPECT_EQ(log.find(secret), std::string::npos);
  std::ifstream cookies(jar);
  std::string line, token;
  while (std::getline(cookies, line))
    if (line.find("frigate_token") != std::string::npos) token = line.substr(line.rfind('\t') + 1);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)), std::string::npos);
}

TEST(AuthListener, ConfigErrorsNameTheKey) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/c.yml") << "cameras: {}\napi: {port: 5000}\nauth: {enabled: true, port: 5000, tls: {cert: "
                                   "/nonexistent.pem}}\n";
  const std::string out = run(vigil_bin() + " --check-config --config " + dir + "/c.yml 2>&1");
  EXPECT_NE(out.find("config error: auth.port"), std::string::npos) << out;
  EXPECT_NE(out.find("config error: auth.tls.key"), std::string::npos) << out;
}

}  // namespace vigil::test
