#include "detect/frame_detector.h"

#include <algorithm>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "detect/detector_pool.h"
#include "input/frame_image.h"
#include "regions/regions.h"

namespace vigil {
namespace {

constexpr int kMaxRefines = 4;

// The region's pixels, black where it sticks out of the frame, resized to w×h.
cv::Mat cut_region(const cv::Mat& bgr, const Box& r, int w, int h) {
  cv::Mat square(r.height(), r.width(), CV_8UC3, cv::Scalar::all(0));
  cv::Rect inside = cv::Rect(r.x1, r.y1, r.width(), r.height()) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (inside.area() > 0)
    bgr(inside).copyTo(square(cv::Rect(inside.x - r.x1, inside.y - r.y1, inside.width, inside.height)));
  if (square.cols == w && square.rows == h) return square;
  cv::Mat out;
  cv::resize(square, out, {w, h}, 0, 0, cv::INTER_LINEAR);
  return out;
}

}  // namespace

FrameDetector::FrameDetector(const CameraConfig& cfg, DetectorPool& pool) : cfg_(cfg), pool_(pool) {
  for (const auto& [label, filter] : cfg.filters) {
    if (filter.mask.polygons.empty()) continue;
    cv::Mat m(cfg.height, cfg.width, CV_8UC1, cv::Scalar(255));
    std::vector<std::vector<cv::Point>> polys;
    for (const Polygon& p : filter.mask.polygons) {
      std::vector<cv::Point> pts;
      for (auto [x, y] : p.points) pts.emplace_back(x, y);
      polys.push_back(std::move(pts));
    }
    cv::fillPoly(m, polys, cv::Scalar(0));
    masks_[label].assign(m.datastart, m.dataend);
  }
}

bool FrameDetector::passes_filters(const Detection& d) const {
  if (std::find(cfg_.track.begin(), cfg_.track.end(), d.label) == cfg_.track.end()) return false;
  auto f = cfg_.filters.find(d.label);
  if (f == cfg_.filters.end()) return false;
  if (d.area < f->second.min_area || d.area > f->second.max_area || d.score < f->second.min_score) return false;
  if (auto m = masks_.find(d.label); m != masks_.end()) {
    int x = std::min((d.box.x2 - d.box.x1) / 2 + d.box.x1, cfg_.width - 1);
    int y = std::min(d.box.y2, cfg_.height - 1);
    if (m->second[size_t(y) * cfg_.width + x] == 0) return false;
  }
  return true;
}

FrameDetections FrameDetector::detect(const Frame& frame, const std::vector<Box>& regions,
                                      const std::vector<Box>& followup) {
  FrameDetections out;
  if (regions.empty()) return out;
  const int W = cfg_.width, H = cfg_.height;
  const std::shared_ptr<const cv::Mat> image = frame.bgr();  // shared with live view and snapshots
  const cv::Mat& bgr = *image;                               // read only
  const int iw = pool_.input_width(), ih = pool_.input_height();

  std::vector<Box> uncertain;  // tracked-label boxes of the first regions scored 0.4–0.5
  // Maps one region's raw result to frame detections that pass the filters.
  auto take = [&](const Box& r, const std::optional<std::vector<RawDetection>>& raw, std::vector<Box>* seen) {
    std::vector<Detection> found;
    if (!raw) return found;
    const int s = r.width();
    for (const RawDetection& rd : *raw) {
      Detection d;
      d.label = rd.label;
      d.score = rd.score;
      d.box = {int(rd.xmin * s + r.x1), int(rd.ymin * s + r.y1), int(rd.xmax * s + r.x1), int(rd.ymax * s + r.y1)};
      d.box.x1 = std::clamp(d.box.x1, 0, W - 1);  // vigil: clamp to the frame (§5.4)
      d.box.x2 = std::clamp(d.box.x2, 0, W - 1);
      d.box.y1 = std::clamp(d.box.y1, 0, H - 1);
      d.box.y2 = std::clamp(d.box.y2, 0, H - 1);
      d.area = d.box.width() * d.box.height();
      d.region = r;
      if (seen && d.score <= 0.5 && std::find(cfg_.track.begin(), cfg_.track.end(), d.label) != cfg_.track.end())
        uncertain.push_back(d.box);
      if (!passes_filters(d)) continue;
      // Only a detection that can survive NMS (score > 0.5) explains motion.
      if (seen && d.score > 0.5) seen->push_back(d.box);
      found.push_back(std::move(d));
    }
    return found;
  };
  // Runs regions together (on as many detector workers as are free) and collects what
  // they found, in region order.
  auto run_all = [&](const std::vector<Box>& rs, std::vector<Box>* seen) {
    std::vector<cv::Mat> images;
    for (const Box& r : rs) images.push_back(cut_region(bgr, r, iw, ih));
    auto raws = pool_.detect_all(images, cfg_.name);
    std::vector<Detection> found;
    for (size_t i = 0; i < rs.size(); ++i) {
      out.regions.push_back(rs[i]);
      out.calls++;
      auto f = take(rs[i], raws[i], seen);
      found.insert(found.end(), f.begin(), f.end());
    }
    return found;
  };

  std::vector<Box> seen;  // confident detections of the first regions
  std::vector<Detection> detections = run_all(regions, &seen);
  if (!followup.empty()) {
    std::vector<Box> extra;
    for (const Box& m : followup) {
      bool touched = std::any_of(seen.begin(), seen.end(), [&](const Box& b) { return intersects(b, m); });
      if (!touched) extra.push_back(calculate_region(W, H, m, 1.2));
    }
    // A tracked label seen with a score just below what NMS keeps may be a real object
    // shrunk too far: look again at native scale.
    for (const Box& u : uncertain) extra.push_back(calculate_region(W, H, u, 1.2));
    auto found = run_all(drop_contained(group_boxes(extra)), nullptr);
    detections.insert(detections.end(), found.begin(), found.end());
  }

  // Per-label NMS; detections cut by a region edge are tried again in a larger region.
  for (int refine = 0;;) {
    bool refining = false;
    std::vector<Detection> selected;
    std::vector<Box> larger;  // regions twice the size of detections cut by an edge
    std::vector<std::string> labels;
    for (const Detection& d : detections)
      if (std::find(labels.begin(), labels.end(), d.label) == labels.end()) labels.push_back(d.label);
    for (const std::string& label : labels) {
      std::vector<const Detection*> group;
      std::vector<cv::Rect> rects;
      std::vector<float> scores;
      for (const Detection& d : detections) {
        if (d.label != label) continue;
        group.push_back(&d);
        rects.emplace_back(d.box.x1, d.box.y1, d.box.width(), d.box.height());
        scores.push_back(float(d.score));
      }
      std::vector<int> keep;
      cv::dnn::NMSBoxes(rects, scores, 0.5f, 0.4f, keep);  // keeps score > 0.5 only
      for (int k : keep) {
        const Detection& d = *group[size_t(k)];
        if (clipped(W, H, d.box, d.region)) {
          larger.push_back(calculate_region(W, H, d.box, 2));
          refining = true;
        } else {
          selected.push_back(d);
        }
      }
    }
    auto found = run_all(larger, nullptr);
    selected.insert(selected.end(), found.begin(), found.end());
    detections = std::move(selected);
    if (!refining || ++refine == kMaxRefines) break;
  }
  out.detections = std::move(detections);
  return out;
}

}  // namespace vigil
