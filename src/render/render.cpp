#include "render/render.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "input/frame_image.h"  // Frame::bgr()
#include "regions/regions.h"
#include "util/time_text.h"

namespace vigil {
namespace {

// tab10 palette in BGR; zones take colours by their order in the config.
const cv::Scalar kTab10[] = {{180, 119, 31}, {14, 127, 255},  {44, 160, 44},   {40, 39, 214},  {189, 103, 148},
                             {75, 86, 140},  {194, 119, 227}, {127, 127, 127}, {34, 189, 188}, {207, 190, 23}};

std::vector<std::vector<cv::Point>> to_points(const std::vector<Polygon>& polys) {
  std::vector<std::vector<cv::Point>> out;
  for (const auto& p : polys) {
    std::vector<cv::Point> pts;
    for (auto [x, y] : p.points) pts.emplace_back(x, y);
    out.push_back(std::move(pts));
  }
  return out;
}

// Colour of a label: tab10 by its index in the COCO label list.
cv::Scalar label_colour(const std::string& label) {
  static const std::map<int, std::string> coco = load_labelmap("");
  for (const auto& [id, name] : coco)
    if (name == label) return kTab10[id % 10];
  return kTab10[std::hash<std::string>{}(label) % 10];
}

std::string encode(const cv::Mat& img) {
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, 70});
  return std::string(buf.begin(), buf.end());
}

}  // namespace

void draw_box(cv::Mat& img, const Box& b, const cv::Scalar& colour, int thickness, const std::string& text) {
  cv::rectangle(img, {b.x1, b.y1}, {b.x2, b.y2}, colour, thickness);
  int baseline = 0;
  cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.5, 2, &baseline);
  // Label box above the rectangle, or at the top edge when there is no room.
  int top = b.y1 - ts.height - 8 >= 0 ? b.y1 - ts.height - 8 : 0;
  cv::rectangle(img, {b.x1, top}, {b.x1 + ts.width + 6, top + ts.height + 8}, colour, cv::FILLED);
  cv::putText(img, text, {b.x1 + 3, top + ts.height + 3}, cv::FONT_HERSHEY_SIMPLEX, 0.5, {0, 0, 0}, 2);
}

std::string render_snapshot(const Thumbnail& t, const std::string& label, const CameraConfig& cam, bool timestamp,
                            bool bounding_box, bool crop, int height) {
  // The frame's shared BGR image is only read; drawing happens on a copy.
  cv::Mat img = *t.frame->bgr();  // shares the pixels
  bool own = false;               // img is a private copy (else a view of the shared image)
  if (bounding_box) {
    img = img.clone();
    own = true;
    draw_box(img, t.box, label_colour(label), 2,
             label + ": " + std::to_string(int(t.score * 100)) + "% " + std::to_string(t.area));
  }
  if (crop) {
    Box r = calculate_region(cam.width, cam.height, t.box, 1.1);
    cv::Rect rc = cv::Rect(r.x1, r.y1, r.width(), r.height()) & cv::Rect(0, 0, img.cols, img.rows);
    img = img(rc);
  }
  if (height > 0 && height != img.rows) {
    cv::Mat out;
    cv::resize(img, out, {std::max(1, int(int64_t(height) * img.cols / img.rows)), height}, 0, 0, cv::INTER_AREA);
    img = out;
    own = true;
  }
  if (timestamp) {
    if (!own) img = img.clone();
    // Font scale chosen so the text is max(150, 0.33 × width) px wide (pipeline.md §10).
    std::string text = format_local_timestamp(t.frame_time);
    int base = 0;
    cv::Size unit = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 1.0, 2, &base);
    double scale = std::max(150.0, 0.33 * img.cols) / std::max(1, unit.width);
    cv::putText(img, text, {5, img.rows - 7}, cv::FONT_HERSHEY_SIMPLEX, scale, {255, 255, 255}, 2);
  }
  return encode(img);
}

std::string render_best(const Thumbnail& t, const CameraConfig& cam, bool crop, int height) {
  return render_snapshot(t, "", cam, false, false, crop, height);
}

std::string render_thumbnail(const std::optional<Thumbnail>& t, const CameraConfig& cam) {
  if (!t || !t->frame) return black_jpeg(175, 175);
  return render_snapshot(*t, "", cam, false, false, true, 175);
}

std::string pad_android(const std::string& jpeg) {
  cv::Mat img = cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  if (img.empty()) return jpeg;
  int pad = int(img.cols * 0.5);
  cv::Mat out;
  cv::copyMakeBorder(img, out, 0, 0, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  return encode(out);
}

std::string RenderOptions::key() const {
  std::string k = std::to_string(height) + ":";
  for (bool b : {bbox, timestamp, zones, mask, motion, regions, area_interpolation}) k += b ? '1' : '0';
  return k;
}

std::string format_local_timestamp(double epoch) { return format_local_time(epoch, "%m/%d/%Y %H:%M:%S"); }

std::string render_jpeg(const ProcessedFrame& pf, const CameraConfig& cam, const RenderOptions& opt) {
  // Overlays are drawn on a copy of the frame's shared BGR image.
  cv::Mat img = pf.frame->bgr()->clone();
  if (opt.bbox)
    for (const ObjectView& o : pf.objects)
      draw_box(img, o.box, o.matched || o.coasting ? label_colour(o.label) : cv::Scalar(255, 0, 0), o.matched ? 2 : 1,
               o.label + ": " + std::to_string(int(o.score * 100)) + "% " + std::to_string(o.area));
  if (opt.regions)
    for (const Box& b : pf.regions) cv::rectangle(img, {b.x1, b.y1}, {b.x2, b.y2}, {0, 255, 0}, 2);
  if (opt.zones) {
    for (size_t i = 0; i < cam.zones.size(); ++i) {
      bool occupied = std::any_of(pf.objects.begin(), pf.objects.end(), [&](const ObjectView& o) {
        return std::find(o.current_zones.begin(), o.current_zones.end(), cam.zones[i].name) != o.current_zones.end();
      });
      cv::polylines(img, to_points({cam.zones[i].coordinates}), true, kTab10[i % 10], occupied ? 8 : 2);
    }
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
