#include "detect/detector_pool.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "detect/fair_queue.h"
#include "util/log.h"
#include "util/metric_families.h"
#include "util/thread_priority.h"
#include "util/worker.h"

namespace vigil {
namespace {

// One region waiting for, or in, a detector. `out` and `done` are guarded by Impl::mu.
struct Request {
  std::string source;  // the camera; the queue serves sources in turn
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
  FairQueue<std::shared_ptr<Request>> queue;         // guarded by mu
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
        req = queue.pop();
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
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  int threads = 1, workers = 0;
  for (const DetectorConfig& dc : cfg.detectors) {
    const int n = dc.workers > 0 ? dc.workers : cores;
    for (int i = 0; i < n; ++i) {
      Impl::Slot s;
      s.dc = dc;
      s.log = logger("detector." + dc.name);
      s.worker = impl_->make_worker(dc);
      if (i == 0)
        s.log->info("{} detector ready ({}x{} input, {} worker(s))", dc.effective_type(),
                    s.worker->detector->input_width(), s.worker->detector->input_height(), n);
      impl_->slots.push_back(std::move(s));
    }
    threads = std::max(threads, dc.num_threads);
    workers += n;
  }
  // OpenCV's thread pool is process-wide. Workers already use the cores (one network
  // per worker measured 1.35–1.45× the calls/s of one network on two threads,
  // bench_inference), so each gets its share: the largest num_threads, at most
  // cores / workers, at least 1.
  cv::setNumThreads(std::max(1, std::min(threads, cores / std::max(1, workers))));
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
    impl_->queue.drain([](auto& r) { r->done = true; });  // no result: nobody will take them
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
    else if (!g->exited && g->thread.joinable() && std::find(stuck.begin(), stuck.end(), g->name) == stuck.end())
      stuck.push_back(g->name);
  }
  return stuck;
}

int DetectorPool::input_width() const { return impl_->current(0)->detector->input_width(); }
int DetectorPool::input_height() const { return impl_->current(0)->detector->input_height(); }

std::optional<std::vector<RawDetection>> DetectorPool::detect(const cv::Mat& bgr, const std::string& source) {
  return std::move(detect_all({bgr}, source).at(0));
}

std::vector<std::optional<std::vector<RawDetection>>> DetectorPool::detect_all(const std::vector<cv::Mat>& images,
                                                                               const std::string& source) {
  std::vector<std::optional<std::vector<RawDetection>>> results(images.size());
  if (images.empty()) return results;
  std::vector<std::shared_ptr<Request>> reqs;
  for (const cv::Mat& img : images) {
    auto req = std::make_shared<Request>();
    req->source = source;
    req->image = img;
    reqs.push_back(std::move(req));
  }
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping) return results;
  for (const auto& req : reqs) impl_->queue.push(source, req);
  if (reqs.size() == 1)
    impl_->cv.notify_one();
  else
    impl_->cv.notify_all();
  const double deadline = impl_->clock.mono() + kTimeout;
  auto all_done = [&] { return std::all_of(reqs.begin(), reqs.end(), [](const auto& r) { return r->done; }); };
  impl_->clock.wait_until(lock, impl_->done_cv, deadline, [&] { return all_done() || impl_->stopping; });
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i]->done && !impl_->stopping)
      results[i] = std::move(reqs[i]->out);
    else
      impl_->queue.erase(source, reqs[i]);  // still queued? then nobody will take it
  }
  return results;
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
  // One entry per configured detector over its workers: mean speed, the oldest running
  // inference (what the hang check of /api/stats needs), the first worker's thread id.
  std::vector<DetectorStats> out;
  std::vector<int> counts;
  std::lock_guard lock(impl_->slots_mu);
  for (const auto& s : impl_->slots) {
    auto it = std::find_if(out.begin(), out.end(), [&](const DetectorStats& d) { return d.name == s.dc.name; });
    if (it == out.end()) {
      DetectorStats d;
      d.name = s.dc.name;
      d.inference_speed = 0;
      d.pid = s.worker->tid;
      out.push_back(d);
      counts.push_back(0);
      it = out.end() - 1;
    }
    const double start = s.worker->start;
    it->inference_speed += s.worker->speed;
    it->restarts += s.restarts;
    if (start != 0.0 && (it->detection_start == 0.0 || start < it->detection_start)) it->detection_start = start;
    counts[size_t(it - out.begin())]++;
  }
  for (size_t i = 0; i < out.size(); ++i)
    out[i].inference_speed = std::round(out[i].inference_speed / counts[i] * 100) / 100;
  return out;
}

}  // namespace vigil
