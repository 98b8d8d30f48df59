#include "api/render.h"

#include <ctime>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vigil {
namespace {

// tab10 palette in BGR; zones take colours by their order in the config.
const cv::Scalar kTab10[] = {{180, 119, 31}, {14, 127, 255},  {44, 160, 44},   {40, 39, 214},  {189, 103, 148},
                             {75, 86, 140},  {194, 119, 227}, {127, 127, 127}, {34, 189, 188}, {207, 190, 23}};

cv::Mat to_bgr(const Frame& f) {
  // cvtColor wants the three planes one after another without row padding.
  cv::Mat yuv(f.height * 3 / 2, f.width, CV_8UC1);
  for (int r = 0; r < f.height; ++r) std::memcpy(yuv.ptr(r), f.plane[0] + size_t(r) * f.stride[0], f.width);
  uint8_t* u = yuv.ptr(f.height);
  uint8_t* v = u + size_t(f.width / 2) * (f.height / 2);
  for (int r = 0; r < f.height / 2; ++r) {
    std::memcpy(u + size_t(r) * (f.width / 2), f.plane[1] + size_t(r) * f.stride[1], f.width / 2);
    std::memcpy(v + size_t(r) * (f.width / 2), f.plane[2] + size_t(r) * f.stride[2], f.width / 2);
  }
  cv::Mat bgr;
  cv::cvtColor(yuv, bgr, cv::COLOR_YUV2BGR_I420);
  return bgr;
}

std::vector<std::vector<cv::Point>> to_points(const std::vector<Polygon>& polys) {
  std::vector<std::vector<cv::Point>> out;
  for (const auto& p : polys) {
    std::vector<cv::Point> pts;
    for (auto [x, y] : p.points) pts.emplace_back(x, y);
    out.push_back(std::move(pts));
  }
  return out;
}

std::string encode(const cv::Mat& img) {
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, 70});
  return std::string(buf.begin(), buf.end());
}

}  // namespace

std::string RenderOptions::key() const {
  std::string k = std::to_string(height) + ":";
  for (bool b : {bbox, timestamp, zones, mask, motion, regions, area_interpolation}) k += b ? '1' : '0';
  return k;
}

std::string format_local_timestamp(double epoch) {
  std::time_t t = std::time_t(epoch);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%m/%d/%Y %H:%M:%S", &tm);
  return buf;
}

std::string render_jpeg(const ProcessedFrame& pf, const CameraConfig& cam, const RenderOptions& opt) {
  cv::Mat img = to_bgr(*pf.frame);
  if (opt.regions)
    for (const Box& b : pf.regions) cv::rectangle(img, {b.x1, b.y1}, {b.x2, b.y2}, {0, 255, 0}, 2);
  if (opt.zones) {
    for (size_t i = 0; i < cam.zones.size(); ++i)
      cv::polylines(img, to_points({cam.zones[i].coordinates}), true, kTab10[i % 10], 2);
  }
  if (opt.mask && !cam.motion.mask.polygons.empty())
    cv::fillPoly(img, to_points(cam.motion.mask.polygons), cv::Scalar(0, 0, 0));
  if (opt.motion)
    for (const Box& b : pf.motion_boxes) cv::rectangle(img, {b.x1, b.y1}, {b.x2, b.y2}, {0, 0, 255}, 2);
  if (opt.timestamp)
    cv::putText(img, format_local_timestamp(pf.frame->time), {10, 30}, cv::FONT_HERSHEY_SIMPLEX, 0.8, {255, 255, 255},
                2);
  if (opt.height > 0 && opt.height != img.rows) {
    int w = std::max(1, int(int64_t(opt.height) * img.cols / img.rows));
    cv::Mat out;
    cv::resize(img, out, {w, opt.height}, 0, 0, opt.area_interpolation ? cv::INTER_AREA : cv::INTER_LINEAR);
    img = out;
  }
  return encode(img);
}

std::string black_jpeg(int width, int height) { return encode(cv::Mat(height, width, CV_8UC3, cv::Scalar(0, 0, 0))); }

}  // namespace vigil
