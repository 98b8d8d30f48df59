#include "detect/detector_pool.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "util/log.h"

namespace vigil {
namespace {

struct Request {
  cv::Mat image;
  std::promise<std::vector<RawDetection>> result;
};

// One generation of a detector thread. A stuck generation is retired: it finishes its
// call, then exits; the pool keeps it until stop() joins it.
struct Worker {
  std::unique_ptr<Detector> detector;
  std::atomic<double> start{0.0};   // epoch s of the running inference, 0 when idle
  std::atomic<double> speed{10.0};  // ms, running average
  std::atomic<int> tid{0};
  std::atomic<bool> retired{false};  // replaced by the watchdog; exit after this call
  std::atomic<bool> exited{false};   // run() returned: joining is immediate
  std::thread thread;
};

}  // namespace

struct DetectorPool::Impl {
  const Config& cfg;
  const Clock& clock;
  Factory make;
  struct Slot {
    DetectorConfig dc;
    std::shared_ptr<Worker> worker;  // current generation; replaced under slots_mu
    std::shared_ptr<spdlog::logger> log;
  };
  std::vector<Slot> slots;
  std::mutex mu;
  std::condition_variable cv;  // requests queued or stopping
  std::deque<std::shared_ptr<Request>> queue;
  bool stopping = false;                // guarded by mu
  std::condition_variable watchdog_cv;  // with mu: stopping
  std::thread watchdog;
  mutable std::mutex slots_mu;                   // guards Slot::worker and retired; never held while loading
  std::vector<std::shared_ptr<Worker>> retired;  // replaced generations, joined by stop()

  Impl(const Config& c, const Clock& k, Factory f) : cfg(c), clock(k), make(std::move(f)) {
    if (!make) make = [this](const DetectorConfig& dc) { return make_detector(dc, cfg.model_width, cfg.model_height); };
  }

  std::shared_ptr<Worker> make_worker(const DetectorConfig& dc) {
    auto w = std::make_shared<Worker>();
    w->detector = make(dc);
    return w;
  }

  std::shared_ptr<Worker> current(size_t i) const {
    std::lock_guard g(slots_mu);
    return slots[i].worker;
  }

  void run(const std::shared_ptr<Worker>& w) {
    serve(w.get());
    w->exited = true;
  }

  // Takes requests from the queue until the pool stops or this generation is retired.
  void serve(Worker* w) {
    w->tid = gettid();
    cv::Mat resized;
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
      w->speed = (9 * w->speed + ms) / 10;
      w->start = 0.0;
      req->result.set_value(std::move(out));
      if (w->retired) return;
    }
  }

  // Every second of the clock, replaces detectors whose current inference has run
  // longer than kTimeout.
  void watch() {
    std::unique_lock lock(mu);
    while (!clock.wait_until(lock, watchdog_cv, clock.mono() + 1.0, [&] { return stopping; })) {
      lock.unlock();
      for (size_t i = 0; i < slots.size(); ++i) replace_if_stuck(i);
      lock.lock();
    }
  }

  void replace_if_stuck(size_t i) {
    Slot& s = slots[i];
    std::shared_ptr<Worker> stuck = current(i);
    const double started = stuck->start;
    if (started == 0.0 || clock.wall() - started <= kTimeout) return;
    s.log->warn("inference running for more than {:.0f} s; restarting the detector", kTimeout);
    std::shared_ptr<Worker> fresh;
    try {
      fresh = make_worker(s.dc);  // loads a model: no lock held
    } catch (const std::exception& e) {
      s.log->error("cannot restart: {}", e.what());
      return;
    }
    fresh->speed = stuck->speed.load();
    stuck->retired = true;
    std::lock_guard g(slots_mu);
    std::erase_if(retired, [](const std::shared_ptr<Worker>& r) {  // reap generations that came back
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

DetectorPool::~DetectorPool() { stop(); }

void DetectorPool::start() {
  for (auto& s : impl_->slots) s.worker->thread = std::thread([this, w = s.worker] { impl_->run(w); });
  impl_->watchdog = std::thread([this] { impl_->watch(); });
}

void DetectorPool::stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->watchdog_cv.notify_all();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();  // from here on no worker is replaced
  for (auto& s : impl_->slots)
    if (s.worker->thread.joinable()) s.worker->thread.join();
  for (auto& w : impl_->retired)  // a stuck call is waited for
    if (w->thread.joinable()) w->thread.join();
  std::lock_guard lock(impl_->mu);
  for (auto& r : impl_->queue) r->result.set_value({});
  impl_->queue.clear();
}

int DetectorPool::input_width() const { return impl_->current(0)->detector->input_width(); }
int DetectorPool::input_height() const { return impl_->current(0)->detector->input_height(); }

std::optional<std::vector<RawDetection>> DetectorPool::detect(const cv::Mat& bgr) {
  auto req = std::make_shared<Request>();
  req->image = bgr;
  auto fut = req->result.get_future();
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return std::nullopt;
    impl_->queue.push_back(req);
  }
  impl_->cv.notify_one();
  if (fut.wait_for(std::chrono::duration<double>(kTimeout)) != std::future_status::ready) {
    std::lock_guard lock(impl_->mu);  // still queued? then nobody will take it
    std::erase(impl_->queue, req);
    return std::nullopt;
  }
  return fut.get();
}

bool DetectorPool::needs_native_scale() const {
  return std::any_of(impl_->slots.begin(), impl_->slots.end(),
                     [](const Impl::Slot& s) { return s.dc.effective_type() == "hog"; });
}

std::vector<DetectorStats> DetectorPool::stats() const {
  std::vector<DetectorStats> out;
  std::lock_guard lock(impl_->slots_mu);
  for (const auto& s : impl_->slots) {
    DetectorStats d;
    d.name = s.dc.name;
    d.inference_speed = std::round(s.worker->speed * 100) / 100;
    d.detection_start = s.worker->start;
    d.pid = s.worker->tid;
    out.push_back(d);
  }
  return out;
}

}  // namespace vigil
