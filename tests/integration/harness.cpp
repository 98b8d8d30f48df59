#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vigil::test {

std::string media_dir() {
  const char* m = std::getenv("VIGIL_TEST_MEDIA");
  return m ? m : std::string(VIGIL_SOURCE_DIR) + "/build/media";
}
std::string models_dir() {
  if (const char* env = std::getenv("VIGIL_MODELS"); env && *env) return env;
  return std::string(VIGIL_SOURCE_DIR) + "/../shared/models";
}

std::string yolox_detectors_yaml() {
  const std::string model = models_dir() + "/yolox-nano/yolox_nano.onnx";
  if (access(model.c_str(), R_OK) != 0) return "";
  return "detectors:\n  yolox:\n    type: opencv\n    num_threads: 1\n    model:\n      path: " + model + "\n";
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string vtest_mp4() { return media_dir() + "/vtest.mp4"; }

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string temp_dir() {
  char tmpl[] = "/tmp/vigil-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

bool poll_until(const std::function<bool()>& done, double timeout, double interval) {
  for (const double end = now_mono() + timeout; now_mono() < end;) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));  // the poll interval
  }
  return done();
}
bool eventually(const std::function<bool()>& done, double timeout) { return poll_until(done, timeout, 0.05); }

bool port_accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

double now_mono() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

Process::Process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}
Process::~Process() { kill_now(); }
Process::Process(Process&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
Process& Process::operator=(Process&& o) noexcept {
  kill_now();
  pid_ = o.pid_;
  status_ = o.status_;
  o.pid_ = -1;
  return *this;
}
bool Process::running() {
  if (pid_ <= 0) return false;
  int st;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    pid_ = -1;
    return false;
  }
  return true;
}
void Process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}
int Process::wait(double timeout) {
  return poll_until([&] { return !running(); }, timeout, 0.05) ? status_ : -1;
}
void Process::kill_now() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
    pid_ = -1;
  }
}

Vigil::Vigil(const std::string& config_yaml, const std::string& dir, const std::vector<std::string>& wrapper)
    : dir_(dir), config_yaml_(config_yaml), wrapper_(wrapper), port_(free_port()) {
  launch();
}
void Vigil::launch() {
  // The free-space floor is off unless the test sets `storage:`: how full the test machine's disk is must not decide
  // what a test sees (the floor has its own tests in tests/unit/retention_test.cpp).
  const bool own_storage = config_yaml_.find("\nstorage:") != std::string::npos || config_yaml_.starts_with("storage:");
  // A test with its own `api:` section writes $API_PORT where port() must listen.
  const bool own_api = config_yaml_.find("\napi:") != std::string::npos || config_yaml_.starts_with("api:");
  std::string yaml = config_yaml_;
  for (size_t at; (at = yaml.find("$API_PORT")) != std::string::npos;) yaml.replace(at, 9, std::to_string(port_));
  std::ofstream(dir_ + "/config.yml") << (own_api ? ""
                                                  : "api:\n  host: 127.0.0.1\n  port: " + std::to_string(port_) + "\n")
                                      << "media_dir: " << dir_ << "/media\n"
                                      << (own_storage ? "" : "storage: {min_free_mb: 0}\n") << yaml;
  const char* bin = std::getenv("VIGIL_BIN");
  std::vector<std::string> argv = wrapper_;
  for (const std::string& a : {std::string(bin ? bin : "vigil"), std::string("--config"), dir_ + "/config.yml"})
    argv.push_back(a);
  proc_ = Process(argv, dir_ + "/vigil.log");
}
Vigil::~Vigil() {
  proc_.signal(SIGTERM);
  proc_.wait(10);
}
std::string Vigil::log() const {
  std::ifstream in(dir_ + "/vigil.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
bool Vigil::wait_ready(double timeout) {
  for (int attempt = 0;; ++attempt) {
    bool exited = false;
    const bool ready = poll_until(
        [&] {
          exited = !proc_.running();
          return exited || http_get(port_, "/api/", 1).status == 200;
        },
        timeout, 0.1);
    if (ready && !exited) return true;
    const std::string taken = "cannot listen on 127.0.0.1:" + std::to_string(port_);
    if (!exited || attempt == 2 || log().find(taken) == std::string::npos) return false;
    proc_.wait(10);
    port_ = free_port();
    launch();
  }
}
bool Vigil::wait_for_log(const std::string& text, double timeout) const {
  return eventually([&] { return log().find(text) != std::string::npos; }, timeout);
}

struct RtspServer::State {
  std::mutex mu;
  Process proc;                      // the server process; guarded by mu
  std::atomic<bool> want_up{false};  // start() sets, stop() clears: the loop keeps it running while set
  std::atomic<bool> quit{false};     // the destructor sets it: the loop returns
  std::thread thread;                // runs loop(); joined by the destructor
};

RtspServer::RtspServer(int port) : port_(port), log_(temp_dir() + "/rtsp.log"), st_(new State) {
  st_->thread = std::thread([this] { loop(); });
  start();
}
RtspServer::~RtspServer() {
  st_->quit = true;
  st_->thread.join();
  {
    std::lock_guard l(st_->mu);
    st_->proc.kill_now();
  }
  delete st_;
}
std::string RtspServer::url() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/x"; }
void RtspServer::start() { st_->want_up = true; }
void RtspServer::stop() {
  st_->want_up = false;
  std::lock_guard l(st_->mu);
  st_->proc.kill_now();
}
bool RtspServer::wait_listening(double timeout) const {
  return eventually([&] { return port_accepts(port_); }, timeout);
}
void RtspServer::loop() {
  // Restarts the server whenever it is wanted and down, until the destructor says quit.
  poll_until(
      [&] {
        if (st_->quit) return true;
        std::lock_guard l(st_->mu);
        if (st_->want_up && !st_->proc.running())
          st_->proc = Process(
              {std::string(VIGIL_SOURCE_DIR) + "/tests/tools/rtsp_server.py", vtest_mp4(), std::to_string(port_)},
              log_);
        return false;
      },
      std::numeric_limits<double>::infinity(), 0.1);
}

std::string HttpResult::header(const std::string& name) const {
  for (auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

HttpResult http_get(int port, const std::string& path, double timeout, const std::string& method) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(timeout)));
  cli.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(timeout)));
  httplib::Result r = method == "HEAD"      ? cli.Head(path.c_str())
                      : method == "OPTIONS" ? cli.Options(path.c_str())
                      : method == "POST"    ? cli.Post(path.c_str())
                                            : cli.Get(path.c_str());
  HttpResult out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  out.content_type = r->get_header_value("Content-Type");
  for (auto& [k, v] : r->headers) out.headers.emplace_back(k, v);
  return out;
}

std::string read_mjpeg(int port, const std::string& path, int parts, double timeout,
                       const std::function<bool(int)>& keep_going) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(std::chrono::seconds(int(timeout)));
  std::string data;
  const std::string boundary = "--frame\r\n";
  double end = now_mono() + timeout;
  cli.Get(path.c_str(), [&](const char* d, size_t n) {
    data.append(d, n);
    size_t count = 0, pos = 0;
    while ((pos = data.find(boundary, pos)) != std::string::npos) {
      ++count;
      pos += boundary.size();
    }
    // Stop once `parts` complete parts are in (the next boundary has started).
    if (keep_going && !keep_going(int(count))) return false;
    return count <= size_t(parts) && now_mono() < end;
  });
  return data;
}

double camera_fps(int port, const std::string& camera) {
  const HttpResult r = http_get(port, "/api/stats");
  const nlohmann::json s = nlohmann::json::parse(r.status == 200 ? r.body : "{}", nullptr, false);
  return s.is_object() && s.contains(camera) ? s[camera].value("camera_fps", 0.0) : 0.0;
}

double log_seconds_of_day(const std::string& line) {
  if (line.size() < 23 || line[13] != ':' || line[16] != ':') return 0;
  return std::stoi(line.substr(11, 2)) * 3600 + std::stoi(line.substr(14, 2)) * 60 + std::stod(line.substr(17, 6));
}

// Rows of a table (read-only connection; vigil keeps writing meanwhile).
std::vector<std::string> sql_column(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

double recorded_seconds(const std::string& recordings, const std::string& camera) {
  double total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(recordings, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& p = it->path();
    if (p.extension() != ".mp4" || p.filename().string().starts_with(".")) continue;
    if (!camera.empty() && p.parent_path().filename() != camera) continue;
    const std::string d = run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + p.string() + "'");
    if (d.empty()) return -1;
    total += std::stod(d);
  }
  return total;
}

void ScopedEnv::set(const std::string& name, const std::string& value) {
  setenv(name.c_str(), value.c_str(), 1);
  names_.push_back(name);
}

ScopedEnv::~ScopedEnv() {
  for (const std::string& n : names_) unsetenv(n.c_str());
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> mp4s_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.ends_with(".mp4") && !name.starts_with(".")) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Unix time of a recording file's name (local time, recordings/YYYY-MM/DD/HH/<cam>/MM.SS.mp4).
double recording_start(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string name = p.filename().string();
  const std::filesystem::path hour = p.parent_path().parent_path();
  std::tm tm{};
  tm.tm_year = std::stoi(hour.parent_path().parent_path().filename().string().substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(hour.parent_path().parent_path().filename().string().substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(hour.parent_path().filename().string());
  tm.tm_hour = std::stoi(hour.filename().string());
  tm.tm_min = std::stoi(name.substr(0, 2));
  tm.tm_sec = std::stoi(name.substr(3, 2));
  tm.tm_isdst = -1;
  return double(std::mktime(&tm));
}

}  // namespace vigil::test
