// Test harness for integration tests: runs the real vigil binary, a real RTSP server
// (ffmpeg in listen mode) and talks HTTP to them.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace vigil::test {

// Folder with the bootstrap's test media (vtest.mp4, …).
std::string media_dir();
std::string vtest_mp4();
// Folder of the pretrained models: $VIGIL_MODELS, else ../shared/models beside the repo.
std::string models_dir();
// The `detectors:` section for YOLOX-Nano when that model is present, else "" (the
// embedded default HOG detector then runs).
std::string yolox_detectors_yaml();
// A TCP port nobody listens on right now.
int free_port();
// A fresh empty folder under /tmp, removed by the OS eventually.
std::string temp_dir();
// The one polling loop of the integration tests: calls `done` every `interval` s until it
// returns true (→ true) or `timeout` s of real time passed (→ its last answer). Every
// wait below (eventually, Process::wait, Vigil::wait_ready, RtspServer) goes through it.
bool poll_until(const std::function<bool()>& done, double timeout, double interval);
// Polls `done` (a state of the system, not a duration) until it holds, for at most
// `timeout` s of real time; the one way integration tests wait for something to happen.
bool eventually(const std::function<bool()>& done, double timeout = 30);
// True when a TCP connection to 127.0.0.1:`port` is accepted (a server is listening).
bool port_accepts(int port);
// Runs a shell command; returns what it wrote to stdout.
std::string run(const std::string& cmd);
double now_mono();

// A child process; killed (SIGKILL) on destruction if still running.
class Process {
 public:
  Process() = default;
  Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process();
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit up to `timeout` s; returns the exit status, or -1 on timeout.
  int wait(double timeout);
  void kill_now();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// vigil started on a config text (YAML); stopped with SIGTERM on destruction.
class Vigil {
 public:
  // `wrapper`: a command vigil's own command line is appended to (e.g. `unshare …`).
  explicit Vigil(const std::string& config_yaml, const std::string& dir = temp_dir(),
                 const std::vector<std::string>& wrapper = {});
  ~Vigil();
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;  // everything vigil wrote to stderr so far
  // Waits until GET /api/ answers; false on timeout or if vigil exited. A vigil that
  // exited because another process took its port first (free_port() is only free when
  // asked) is started again on another port, once or twice; port() follows.
  bool wait_ready(double timeout = 20);
  // Waits until the log contains `text`; false on timeout.
  bool wait_for_log(const std::string& text, double timeout = 30) const;
  Process& process() { return proc_; }

 private:
  void launch();  // writes the config for port_ and starts vigil
  std::string dir_;
  std::string config_yaml_;
  std::vector<std::string> wrapper_;
  int port_;
  Process proc_;
};

// A real RTSP server (tests/tools/rtsp_server.py, GStreamer) serving vtest.mp4 at
// rtsp://127.0.0.1:<port>/x in real time, like an IP camera. It is kept running
// (restarted if it exits) until stop().
class RtspServer {
 public:
  explicit RtspServer(int port = free_port());
  ~RtspServer();
  std::string url() const;
  void start();
  void stop();  // kills the server; it stays down until start()
  // Waits until the server accepts connections on its port (after construction or start()).
  bool wait_listening(double timeout = 30) const;

 private:
  void loop();
  int port_;
  std::string log_;
  struct State;
  State* st_;
};

struct HttpResult {
  int status = 0;  // 0 = no answer
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};
HttpResult http_get(int port, const std::string& path, double timeout = 5, const std::string& method = "GET");

// Unix time of a recording file's name (local time, recordings/YYYY-MM/DD/HH/<cam>/MM.SS.mp4).
double recording_start(const std::string& path);

// camera_fps of `camera` in /api/stats (0 when vigil does not answer or has no such camera).
double camera_fps(int port, const std::string& camera);
// Seconds since midnight of a vigil log line ("YYYY-mm-dd HH:MM:SS.mmm …"); 0 if none.
double log_seconds_of_day(const std::string& line);

// Reads `parts` MJPEG parts from a stream and returns the raw bytes received. When given,
// `keep_going(parts received so far)` is asked as data arrives; false ends the stream.
std::string read_mjpeg(int port, const std::string& path, int parts, double timeout = 15,
                       const std::function<bool(int)>& keep_going = {});

// Rows of the first column of `sql` on the SQLite database at `db_path` (a read-only
// connection; vigil may keep writing meanwhile). Empty when it cannot be read.
std::vector<std::string> sql_column(const std::string& db_path, const std::string& sql);

// Seconds of video in the finished recording segments below `recordings` (of `camera`,
// or all), by ffprobe; -1 when one of them does not decode.
double recorded_seconds(const std::string& recordings, const std::string& camera = "");

// A client socket connected to 127.0.0.1:`port` (blocking, 5 s receive timeout); -1 on
// failure.
int connect_to(int port);

// The whole content of the file at `path` ("" when it cannot be read).
std::string file_bytes(const std::string& path);

// Finished MP4 files below `dir` (not the dot-named ones being written), sorted.
std::vector<std::string> mp4s_under(const std::string& dir);

// Environment variables for the processes started next (vigil), removed when this goes.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv();
  void set(const std::string& name, const std::string& value);

 private:
  std::vector<std::string> names_;
};

}  // namespace vigil::test
