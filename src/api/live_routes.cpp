#include "api/live_routes.h"

#include <sys/socket.h>

#include <algorithm>

#include "api/connections.h"
#include "api/http_server.h"
#include "api/json_error.h"
#include "camera/camera.h"
#include "util/thread_priority.h"

namespace vigil {
namespace {

constexpr int kSendBuffer = 512 * 1024;  // bytes, SO_SNDBUF of a live viewer's socket
constexpr double kPoll = 0.5;  // s between checks for a viewer gone or the server stopping while no video comes

}  // namespace

void add_live_routes(ConnectionServer& svr, const ApiSources& src, const Worker& server) {
  svr.Get(R"(/live/([^/]+)\.mp4)", [&src, &server](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    auto it = src.cameras.find(name);
    if (it == src.cameras.end()) return json_error(res, 404, "Camera named " + name + " not found");
    LiveFeed* feed = &it->second->live();
    const Clock& clock = server.clock();
    const int fd = ConnectionStream::current() ? ConnectionStream::current()->socket() : -1;
    std::shared_ptr<LiveViewer> viewer = feed->join();
    // The first keyframe, waited for in steps so the server's stop or the client leaving
    // is noticed.
    const double deadline = clock.mono() + LiveFeed::kHeadWait;
    while (!viewer->wait_head(std::min(deadline, clock.mono() + kPoll))) {
      if (clock.mono() >= deadline || viewer->ended() || server.stopping() || (fd >= 0 && peer_closed(fd))) {
        feed->leave(viewer);
        return json_error(res, 503, "no video from camera " + name + " yet");
      }
    }
    // Cutting a viewer that fell behind shuts its socket down: a write blocked on it
    // returns at once, and the stream ends. (The hook is cleared by leave(), before the
    // connection's socket can be closed.)
    if (fd >= 0) viewer->set_cut_hook([fd] { ::shutdown(fd, SHUT_RDWR); });
    // The kernel's send buffer would otherwise grow to 4 MB (tcp_wmem), 30 s of a 1 Mbit/s
    // camera a stalled viewer hides there before its own queue starts to fill; 512 KB
    // (the kernel doubles it) still covers the bandwidth × delay of a remote viewer.
    if (fd >= 0) {
      const int sndbuf = kSendBuffer;
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    // As MJPEG: live view gives way to capture and recording under overload.
    lower_this_thread(ShedClass::kLiveView);
    char epoch[32];
    std::snprintf(epoch, sizeof epoch, "%.3f", viewer->epoch());
    res.set_header("X-Vigil-Stream-Epoch", epoch);
    res.set_header("Cache-Control", "no-store");
    res.set_header("Access-Control-Allow-Origin", "*");
    res.set_header("Access-Control-Expose-Headers", "X-Vigil-Stream-Epoch");
    res.set_chunked_content_provider(
        viewer->content_type(),
        [viewer, &server, &clock, fd](size_t, httplib::DataSink& sink) {
          for (;;) {
            const std::string bytes = viewer->take(clock.mono() + kPoll);
            if (!bytes.empty()) return sink.write(bytes.data(), bytes.size());
            if (viewer->was_cut() || server.stopping() || (fd >= 0 && peer_closed(fd))) return false;
            if (viewer->ended()) {  // the input changed: a complete response, the page reconnects
              sink.done();
              return true;
            }
          }
        },
        [feed, viewer](bool) { feed->leave(viewer); });
  });
}

}  // namespace vigil
