// Inference throughput benchmark (issue 16): how should vigil spend the cores on a
// CPU detector? On a still picture (darknet's person.jpg) with YOLOX-Nano (OpenCV DNN, CPU), in one run:
//   1. one network, OpenCV's thread pool at 1 and at every core: ms per call, calls/s;
//   2. one network per core, each in its own thread, pool at 1: total calls/s;
//   3. batches of 1, 2 and 4 regions in one forward pass: ms per region;
//   4. input 320×320 against 416×416: ms per call (the per-camera model size choice).
//
//   build/bench_inference [model.onnx] [picture]
#include <chrono>
#include <cstdio>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

cv::dnn::Net load(const std::string& path) {
  cv::dnn::Net net = cv::dnn::readNet(path);
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

// Mean ms of `runs` forward passes of `batch` copies of `img` at size s×s.
double forward_ms(cv::dnn::Net& net, const cv::Mat& img, int s, int batch, int runs) {
  cv::Mat in;
  cv::resize(img, in, {s, s});
  std::vector<cv::Mat> imgs(size_t(batch), in);
  cv::Mat blob = cv::dnn::blobFromImages(imgs, 1.0, cv::Size(), cv::Scalar(), false, false);
  std::vector<cv::Mat> outs;
  net.setInput(blob);
  net.forward(outs, net.getUnconnectedOutLayersNames());  // warm-up (allocations, first-call costs)
  auto t0 = Clock::now();
  for (int i = 0; i < runs; ++i) {
    net.setInput(blob);
    net.forward(outs, net.getUnconnectedOutLayersNames());
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / runs;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model =
      argc > 1 ? argv[1] : std::string(VIGIL_SOURCE_DIR) + "/../shared/models/yolox-nano/yolox_nano.onnx";
  const std::string picture = argc > 2 ? argv[2] : "/usr/share/darknet/data/person.jpg";
  const cv::Mat region = cv::imread(picture);
  if (region.empty()) {
    std::fprintf(stderr, "cannot read %s\n", picture.c_str());
    return 1;
  }
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  constexpr int kRuns = 40;

  std::printf("model %s, %d cores, region %s\n", model.c_str(), cores, picture.c_str());
  cv::dnn::Net net = load(model);
  for (int threads : {1, cores}) {
    cv::setNumThreads(threads);
    double ms = forward_ms(net, region, 416, 1, kRuns);
    std::printf("one network, pool %d thread(s):   %6.1f ms/call  %5.1f calls/s\n", threads, ms, 1000 / ms);
  }

  cv::setNumThreads(1);
  std::vector<double> per(static_cast<size_t>(cores));
  {
    std::vector<std::thread> ws;
    for (int w = 0; w < cores; ++w)
      ws.emplace_back([&, w] {
        cv::dnn::Net own = load(model);
        per[size_t(w)] = forward_ms(own, region, 416, 1, kRuns);
      });
    for (auto& t : ws) t.join();
  }
  double total = 0;
  for (double ms : per) total += 1000 / ms;
  std::printf("%d networks, one thread each:     %6.1f ms/call  %5.1f calls/s in total\n", cores, per[0], total);

  for (int threads : {1, cores}) {
    cv::setNumThreads(threads);
    for (int batch : {1, 2, 4}) {
      double ms = forward_ms(net, region, 416, batch, kRuns / batch + 1);
      std::printf("batch %d, pool %d thread(s):        %6.1f ms/region\n", batch, threads, ms / batch);
    }
  }

  cv::setNumThreads(1);
  for (int s : {320, 416}) {
    double ms = forward_ms(net, region, s, 1, kRuns);
    std::printf("input %dx%d, one thread:         %6.1f ms/call\n", s, s, ms);
  }
  return 0;
}
