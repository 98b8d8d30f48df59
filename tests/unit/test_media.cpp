#include "test_media.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

extern "C" {
#include <libavformat/avformat.h>
}

#include <spdlog/sinks/ostream_sink.h>

#include "storage/clip_cache.h"
#include "util/log.h"

namespace vigil::test {

std::string vtest_mp4() {
  const char* m = std::getenv("VIGIL_TEST_MEDIA");
  return std::string(m ? m : "build/media") + "/vtest.mp4";
}

std::string temp_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "vigil-unit-XXXXXX").string();
  return mkdtemp(t.data());
}

int mp4_files(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().extension() == ".mp4";
  return n;
}

bool eventually(const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the poll interval
  }
  return done();
}

Config clips_camera_config(const std::string& media) {
  return parse_config("media_dir: " + media +
                          "\ncameras:\n  walk:\n    ffmpeg:\n      inputs:\n        - path: x.mp4\n"
                          "          roles: [detect, clips]\n    width: 768\n    height: 576\n"
                          "    clips: {enabled: true, pre_capture: 5, post_capture: 5}\n",
                      false);
}

EventMessage walk_event(EventMessage::Type type, double start, double last_seen, double end_after) {
  EventMessage m{type, "walk", {}, {}, 0};
  m.after.id = "ev1";
  m.after.label = "person";
  m.after.start_time = start;
  m.after.frame_time = last_seen;
  m.after.top_score = m.after.score = 0.9;
  m.after.true_positive = true;
  if (type == EventMessage::kEnd) m.end_time = last_seen + end_after;
  return m;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 512> buf{};
  while (p && fgets(buf.data(), buf.size(), p)) out += buf.data();
  if (p) pclose(p);
  return out;
}

double probe_duration(const std::string& path) {
  std::string s = run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + path + "'");
  return s.empty() ? -1 : std::stod(s);
}

PacketFn sink_to(PacketConsumer& writer, const Clock& clock) {
  return [&writer, &clock](const AVPacket* p, const AVStream* st) {
    if (p)
      writer.on_packet(p, st, clock.wall());
    else
      writer.on_end();
  };
}

void feed(PacketConsumer& writer, ManualClock& clock, double seconds, bool keep_open) {
  feed(sink_to(writer, clock), clock, seconds, keep_open);
}

void feed(const PacketFn& sink, ManualClock& clock, double seconds, bool keep_open) {
  AVFormatContext* fmt = nullptr;
  if (avformat_open_input(&fmt, vtest_mp4().c_str(), nullptr, nullptr) < 0) return;
  avformat_find_stream_info(fmt, nullptr);
  int vs = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  AVStream* st = fmt->streams[vs];
  AVPacket* pkt = av_packet_alloc();
  const double t0 = clock.wall_time;
  double loop_offset = 0, last = 0;
  for (;;) {
    if (av_read_frame(fmt, pkt) < 0) {  // loop like -stream_loop
      loop_offset = last + 0.1;
      av_seek_frame(fmt, vs, 0, AVSEEK_FLAG_BACKWARD);
      continue;
    }
    if (pkt->stream_index != vs) {
      av_packet_unref(pkt);
      continue;
    }
    double t = pkt->pts * av_q2d(st->time_base) + loop_offset;
    last = t;
    if (t >= seconds) break;
    int64_t shift = std::llround(loop_offset / av_q2d(st->time_base));
    pkt->pts += shift;
    pkt->dts += shift;
    clock.wall_time = t0 + t;
    sink(pkt, st);
    av_packet_unref(pkt);
  }
  if (!keep_open) sink(nullptr, nullptr);
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
}

LogCapture::LogCapture(const std::string& logger_name)
    : name_(logger_name), sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
  logger(name_)->sinks().push_back(sink_);
}

LogCapture::~LogCapture() {
  auto& sinks = logger(name_)->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
}

int LogCapture::count(const std::string& what) const {
  std::istringstream lines(out_.str());
  int n = 0;
  for (std::string line; std::getline(lines, line);) n += line.find(what) != std::string::npos;
  return n;
}

}  // namespace vigil::test
