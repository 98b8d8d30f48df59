// Helpers for unit tests that need the bootstrap's test media.
#pragma once

#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "config/config.h"
#include "events/event_store.h"
#include "util/clock.h"

struct AVPacket;
struct AVStream;
namespace spdlog::sinks {
class sink;
}
namespace vigil {
class PacketConsumer;
}

namespace vigil::test {

// build/media/vtest.mp4 (or $VIGIL_TEST_MEDIA/vtest.mp4): 10 fps H.264, 2 s GOP.
std::string vtest_mp4();
// A fresh empty folder under the system's temp folder.
std::string temp_dir();
// Runs a shell command; returns what it wrote to stdout.
std::string run(const std::string& cmd);
// ffprobe's format duration of a file (-1 if unreadable).
double probe_duration(const std::string& path);
// How many .mp4 files `dir` holds (not recursive).
int mp4_files(const std::string& dir);
// Polls `done` (a state, not a duration) until it holds, for at most `seconds` of real time:
// the unit tests' one polling loop (threads of real components, real files).
bool eventually(const std::function<bool()>& done, double seconds = 20);
// A config with one camera `walk` under `media`: detect and clips roles, clips enabled
// with 5 s pre and post capture.
Config clips_camera_config(const std::string& media);
// A `person` event "ev1" of camera `walk` (score 0.9, a true positive); an end message
// ends `end_after` s after `last_seen`.
EventMessage walk_event(EventMessage::Type type, double start, double last_seen, double end_after = 0);

// Feeds `seconds` of vtest.mp4 (looped, times kept increasing) into `writer` (the clip
// cache, the recorder) as its writer thread would, the clock following the packets'
// timestamps from its current wall time, as a live camera's arrival times would; then
// ends the connection unless `keep_open`.
void feed(PacketConsumer& writer, ManualClock& clock, double seconds, bool keep_open = false);
// The same into any packet sink (a Capture's packet sink signature).
using PacketFn = std::function<void(const AVPacket*, const AVStream*)>;
void feed(const PacketFn& sink, ManualClock& clock, double seconds, bool keep_open = false);
// A Capture-style packet sink that drives `writer` directly on the calling thread, each
// packet arriving at the clock's wall time; (nullptr, nullptr) ends the connection.
PacketFn sink_to(PacketConsumer& writer, const Clock& clock);

// What a named logger (util/log.h) writes while this lives.
class LogCapture {
 public:
  explicit LogCapture(const std::string& logger_name);
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  // Lines written so far that contain `what`.
  int count(const std::string& what) const;

 private:
  std::string name_;
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::sink> sink_;
};

}  // namespace vigil::test
