// TLS on the authenticated listener (auth.tls, docs/auth.md): a self-signed certificate
// made here, login and an authenticated request with `curl --cacert`, the Secure cookie,
// plain HTTP and an unverified client refused, a silent client dropped.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"

namespace vigil::test {
namespace {

std::string vigil_bin() { return std::getenv("VIGIL_BIN"); }

// A self-signed certificate for localhost and 127.0.0.1 in `dir` (cert.pem, key.pem).
void make_certificate(const std::string& dir) {
  run("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext "
      "subjectAltName=DNS:localhost,IP:127.0.0.1 -days 1 -keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem 2>&1");
}

std::string curl(const std::string& args) { return run("curl -s -m 10 " + args + " 2>&1"); }

// The exit status of a shell command (its output dropped).
int status_of(const std::string& cmd) {
  const std::string out = run(cmd + " >/dev/null 2>&1; echo \"exit=$?\"");
  return std::stoi(out.substr(out.rfind("exit=") + 5));
}

}  // namespace

TEST(AuthTls, LoginOverTlsWithASelfSignedCertificate) {
  const int aport = free_port();
  const std::string dir = temp_dir();
  make_certificate(dir);
  ASSERT_EQ(status_of("test -s " + dir + "/cert.pem -a -s " + dir + "/key.pem"), 0);
  Vigil v("cameras: {}\nauth:\n  enabled: true\n  host: 127.0.0.1\n  port: " + std::to_string(aport) +
              "\n  tls: {cert: " + dir + "/cert.pem, key: " + dir + "/key.pem}\n",
          dir);
  ASSERT_TRUE(v.wait_ready()) << v.log();
  ASSERT_TRUE(eventually([&] { return port_accepts(aport); })) << v.log();
  EXPECT_NE(v.log().find(":" + std::to_string(aport) + " (TLS)"), std::string::npos) << v.log();
  ASSERT_EQ(status_of("printf '%s\\n' Pa55-word-alice | " + vigil_bin() + " --config " + dir +
                      "/config.yml user add alice --role admin"),
            0);

  const std::string url = "https://127.0.0.1:" + std::to_string(aport);
  const std::string ca = "--cacert " + dir + "/cert.pem ";
  const std::string jar = dir + "/cookies";
  // Login: 200 and a Secure cookie.
  const std::string login =
      curl(ca + "-D - -o /dev/null -c " + jar + " -X POST -d '{\"user\":\"alice\",\"password\":\"Pa55-word-alice\"}' " +
           url + "/api/login");
  EXPECT_NE(login.find("HTTP/1.1 200"), std::string::npos) << login;
  const size_t cookie = login.find("frigate_token=");
  ASSERT_NE(cookie, std::string::npos) << login;
  const std::string cookie_line = login.substr(cookie, login.find("\r\n", cookie) - cookie);
  EXPECT_NE(cookie_line.find("; Secure"), std::string::npos) << cookie_line;
  // An authenticated GET over TLS; anonymous still refused.
  EXPECT_EQ(curl(ca + "-b " + jar + " " + url + "/api/profile"), "{\"role\":\"admin\",\"username\":\"alice\"}\n");
  EXPECT_EQ(curl(ca + "-o /dev/null -w '%{http_code}' -b " + jar + " " + url + "/api/config"), "200");
  EXPECT_EQ(curl(ca + "-o /dev/null -w '%{http_code}' " + url + "/api/config"), "401");
  // Plain HTTP on the TLS port gets no HTTP answer; a client without the CA refuses the
  // certificate (curl: 60, peer certificate cannot be authenticated).
  EXPECT_EQ(curl("-o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(aport) + "/api/config"), "000");
  EXPECT_EQ(status_of("curl -s -m 10 " + url + "/api/config"), 60);
  // The listener still serves after those.
  EXPECT_EQ(curl(ca + "-o /dev/null -w '%{http_code}' -b " + jar + " " + url + "/api/stats"), "200");

  // A client that connects and sends nothing is dropped (the handshake must begin within
  // the request-head time): its read sees the server's end, not its own 60 s timeout.
  const int fd = connect_to(aport);
  ASSERT_GE(fd, 0);
  timeval tv{60, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  const ssize_t n = ::recv(fd, &c, 1, 0);
  EXPECT_EQ(n, 0) << "recv returned " << n << " (errno " << errno << ")";
  ::close(fd);

  // Nothing secret in the log.
  EXPECT_EQ(v.log().find("Pa55-word-alice"), std::string::npos);
}

TEST(AuthTls, UnloadableKeyStopsStartWithTheKeyNamed) {
  const std::string dir = temp_dir();
  make_certificate(dir);
  std::ofstream(dir + "/bad.pem") << "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
  Vigil v("cameras: {}\nauth: {enabled: true, host: 127.0.0.1, port: " + std::to_string(free_port()) +
              ", tls: {cert: " + dir + "/cert.pem, key: " + dir + "/bad.pem}}\n",
          dir);
  const int status = v.process().wait(20);
  EXPECT_GT(status, 0) << v.log();  // exited, and not with success
  EXPECT_NE(v.log().find("auth.tls.key: cannot load " + dir + "/bad.pem: error:"), std::string::npos) << v.log();
}

}  // namespace vigil::test
