#include "detect/detector_pool.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "util/log.h"
#include "util/metric_families.h"
#include "util/thread_priority.h"
#include "util/worker.h"

namespace vigil {
namespace {

// One region waiting for, or in, a detector. `out` and `done` are guarded by Impl::mu.
struct Request {
  cv::Mat image;
  std::vector<RawDetection> out;
  bool done = false;  // out is final; Impl::done_cv notified
};

// One generation of a detector thread. A stuck generation is retired: it finishes its
// call, then exits; the pool keeps it until stop() joins it.
struct Generation {
  std::string name;  // the detector's config name
  std::unique_ptr<Detector> detector;
  std::atomic<double> start{0.0};   // epoch s of the running inference, 0 when idle
  std::atomic<double> speed{10.0};  // ms, running average
  std::atomic<int> tid{0};
  std::atomic<bool> retired{false};  // replaced by the watchdog; exit after this call
  std::atomic<bool> exited{false};   // run() returned (set under Impl::mu, done_cv notified): joining is immediate
  std::thread thread;
};

}  // namespace

struct DetectorPool::Impl {
  const Config& cfg;
  const Clock& clock;
  Factory make;
  struct Slot {
    DetectorConfig dc;
    std::shared_ptr<Generation> worker;  // current generation; replaced under slots_mu
    std::shared_ptr<spdlog::logger> log;
    uint64_t restarts = 0;  // guarded by slots_mu: stuck inferences the watchdog acted on
  };
  std::vector<Slot> slots;
  std::mutex mu;
  std::condition_variable cv;                        // with mu: requests queued, a generation retired, or stopping
  std::condition_variable done_cv;                   // with mu: a request is done, or a generation exited
  std::deque<std::shared_ptr<Request>> queue;        // guarded by mu
  bool stopping = false;                             // guarded by mu
  Worker watchdog{clock};                            // checks the generations once a second of the clock
  mutable std::mutex slots_mu;                       // guards Slot::worker and retired; never held while loading
  std::vector<std::shared_ptr<Generation>> retired;  // replaced generations, joined by stop()

  Impl(const Config& c, const Clock& k, Factory f) : cfg(c), clock(k), make(std::move(f)) {
    if (!make) make = [this](const DetectorConfig& dc) { return make_detector(dc, cfg.model_width, cfg.model_height); };
  }

  std::shared_ptr<Generation> make_worker(const DetectorConfig& dc) {
    auto w = std::make_shared<Generation>();
    w->name = dc.name;
    w->detector = make(dc);
    return w;
  }

  std::shared_ptr<Generation> current(size_t i) const {
    std::lock_guard g(slots_mu);
    return slots[i].worker;
  }

  void run(const std::shared_ptr<Generation>& w) {
    serve(w.get());
    {
      std::lock_guard lock(mu);
      w->exited = true;
    }
    done_cv.notify_all();
  }

  // Every generation that has a thread: current and retired (under slots_mu).
  std::vector<std::shared_ptr<Generation>> generations() const {
    std::lock_guard g(slots_mu);
    std::vector<std::shared_ptr<Generation>> all = retired;
    for (const Slot& s : slots) all.push_back(s.worker);
    return all;
  }

  // Takes requests from the queue until the pool stops or this generation is retired.
  void serve(Generation* w) {
    w->tid = gettid();
    lower_this_thread(ShedClass::kDetection);  // shed before capture and recording
    cv::Mat resized;
    Histogram& inference_seconds = detector_inference_metric().with({w->name});
    for (;;) {
      std::shared_ptr<Request> req;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || w->retired || !queue.empty(); });
        if (stopping || w->retired) return;
        req = std::move(queue.front());
        queue.pop_front();
      }
      const cv::Mat* img = &req->image;
      int iw = w->detector->input_width(), ih = w->detector->input_height();
      if (img->cols != iw || img->rows != ih) {
        cv::resize(*img, resized, {iw, ih}, 0, 0, cv::INTER_LINEAR);
        img = &resized;
      }
      double t0 = clock.mono();
      w->start = clock.wall();
      std::vector<RawDetection> out;
      try {
        out = w->detector->detect(*img);
      } catch (const std::exception& e) {
        logger("detector")->error("inference failed: {}", e.what());
      }
      double ms = (clock.mono() - t0) * 1000.0;
      inference_seconds.observe(ms / 1000.0);
      w->speed = (9 * w->speed + ms) / 10;
      w->start = 0.0;
      {
        std::lock_guard lock(mu);
        req->out = std::move(out);
        req->done = true;
      }
      done_cv.notify_all();
      if (w->retired) return;
    }
  }

  // Every second of the clock, replaces detectors whose current inference has run
  // longer than kTimeout.
  void watch() {
    while (watchdog.sleep_for(1.0))
      for (size_t i = 0; i < slots.size(); ++i) replace_if_stuck(i);
  }

  void replace_if_stuck(size_t i) {
    Slot& s = slots[i];
    std::shared_ptr<Generation> stuck = current(i);
    const double started = stuck->start;
    if (started == 0.0 || clock.wall() - started <= kTimeout) return;
    s.log->warn("inference running for more than {:.0f} s; restarting the detector", kTimeout);
    {
      std::lock_guard g(slots_mu);
      ++s.restarts;
    }
    std::shared_ptr<Generation> fresh;
    try {
      fresh = make_worker(s.dc);  // loads a model: no lock held
    } catch (const std::exception& e) {
      s.log->error("cannot restart: {}", e.what());
      return;
    }
    fresh->speed = stuck->speed.load();
    stuck->retired = true;
    std::lock_guard g(slots_mu);
    std::erase_if(retired, [](const std::shared_ptr<Generation>& r) {  // reap generations that came back
      if (!r->exited) return false;
      r->thread.join();
      return true;
    });
    s.worker = fresh;
    retired.push_back(stuck);
    fresh->thread = std::thread([this, fresh] { run(fresh); });
  }
};

DetectorPool::DetectorPool(const Config& cfg, const Clock& clock, Factory make)
    : impl_(std::make_unique<Impl>(cfg, clock, std::move(make))) {
  int threads = 1;
  for (const DetectorConfig& dc : cfg.detectors) {
    Impl::Slot s;
    s.dc = dc;
    s.log = logger("detector." + dc.name);
    s.worker = impl_->make_worker(dc);
    s.log->info("{} detector ready ({}x{} input)", dc.effective_type(), s.worker->detector->input_width(),
                s.worker->detector->input_height());
    threads = std::max(threads, dc.num_threads);
    impl_->slots.push_back(std::move(s));
  }
  // OpenCV's thread pool is process-wide: the largest num_threads, at most one per core.
  int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  cv::setNumThreads(std::min(threads, cores));
}

// A second stop() (the destructor's) joins what the first left running, however long
// that takes: the app never destroys a pool whose stop() reported a stuck detector.
DetectorPool::~DetectorPool() {
  stop(0);
  for (auto& g : impl_->generations())
    if (g->thread.joinable()) g->thread.join();
}

void DetectorPool::start() {
  for (auto& s : impl_->slots) s.worker->thread = std::thread([this, w = s.worker] { impl_->run(w); });
  impl_->watchdog.start([this] { impl_->watch(); });
}

std::vector<std::string> DetectorPool::stop(double grace) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    for (auto& r : impl_->queue) r->done = true;  // no result: nobody will take them
    impl_->queue.clear();
  }
  impl_->cv.notify_all();
  impl_->done_cv.notify_all();  // waiting cameras give up at once
  impl_->watchdog.stop();       // from here on no generation is replaced
  const std::vector<std::shared_ptr<Generation>> all = impl_->generations();
  {
    std::unique_lock lock(impl_->mu);
    impl_->clock.wait_until(lock, impl_->done_cv, impl_->clock.mono() + grace, [&] {
      return std::all_of(all.begin(), all.end(), [](const auto& g) { return g->exited.load(); });
    });
  }
  std::vector<std::string> stuck;
  for (const auto& g : all) {
    if (g->exited && g->thread.joinable())
      g->thread.join();
    else if (!g->exited && g->thread.joinable())
      stuck.push_back(g->name);
  }
  return stuck;
}

int DetectorPool::input_width() const { return impl_->current(0)->detector->input_width(); }
int DetectorPool::input_height() const { return impl_->current(0)->detector->input_height(); }

std::optional<std::vector<RawDetection>> DetectorPool::detect(const cv::Mat& bgr) {
  auto req = std::make_shared<Request>();
  req->image = bgr;
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping) return std::nullopt;
  impl_->queue.push_back(req);
  impl_->cv.notify_one();
  const double deadline = impl_->clock.mono() + kTimeout;
  if (!impl_->clock.wait_until(lock, impl_->done_cv, deadline, [&] { return req->done || impl_->stopping; }) ||
      !req->done) {
    std::erase(impl_->queue, req);  // still queued? then nobody will take it
    return std::nullopt;
  }
  return std::move(req->out);
}

bool DetectorPool::needs_native_scale() const {
  return std::any_of(impl_->slots.begin(), impl_->slots.end(),
                     [](const Impl::Slot& s) { return s.dc.effective_type() == "hog"; });
}

size_t DetectorPool::queued() const {
  std::lock_guard lock(impl_->mu);
  return impl_->queue.size();
}

std::vector<DetectorStats> DetectorPool::stats() const {
  std::vector<DetectorStats> out;
  std::lock_guard lock(impl_->slots_mu);
  for (const auto& s : impl_->slots) {
    DetectorStats d;
    d.name = s.dc.name;
    d.inference_speed = std::round(s.worker->speed * 100) / 100;
    d.restarts = s.restarts;
    d.detection_start = s.worker->start;
    d.pid = s.worker->tid;
    out.push_back(d);
  }
  return out;
}

}  // namespace vigil
