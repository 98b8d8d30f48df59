// What vigil knows about each tracked object beyond the tracker's match (pipeline.md
// §7.3–§8): score history and computed (median) score, true-positive state, zones,
// the best thumbnail, stationary handling, and per camera the best object per label.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "input/frame.h"
#include "tracking/tracker.h"
#include "util/box.h"

namespace vigil {

// One detection of an object together with the frame it was seen in.
struct Thumbnail {
  FramePtr frame;
  double frame_time = 0;
  Box box;
  int area = 0;
  Box region;
  double score = 0;
};

struct TrackedObject {
  std::string id, label;
  double start_time = 0;
  double frame_time = 0;  // frame time of the last matching detection
  double score = 0;       // last detection's score
  Box box;                // last detection's box (while coasting: predicted, or found by its patch)
  int area = 0;
  Box region;
  bool matched = false;        // a detection continued it in the latest frame
  bool coasting = false;       // no detection looked at it in the latest frame (tracking/coasting.h)
  std::deque<double> history;  // last ≤ 10 scores (0.0 for unmatched frames)
  double computed_score = 0;   // median of history padded to 3
  double top_score = 0;
  bool true_positive = false;  // computed_score reached the label's threshold once
  std::vector<std::string> current_zones;
  std::vector<std::string> entered_zones;  // first-entry order, only grows
  std::optional<Thumbnail> best;
  bool best_changed = false;  // best taken from the latest frame
  bool stationary = false;    // true positive and no motion on its box
  double last_check = -1;     // frame time of its last stationary check frame
};

class ObjectStates {
 public:
  explicit ObjectStates(const CameraConfig& cfg) : cfg_(cfg) {}

  // Before detection: which objects are held this frame (stationary and not due for a
  // check, §7.4). Their boxes add no region and they are not aged.
  std::set<std::string> held_ids(double frame_time, const std::vector<Box>& motion);

  // After the tracker has processed `frame`: scores, zones, best images.
  // Returns the objects that ended in this frame (removed by the tracker).
  std::vector<TrackedObject> update(const Tracker& tracker, const FramePtr& frame, const std::set<std::string>& held);

  const std::map<std::string, TrackedObject>& objects() const { return objects_; }
  // Best object per label for this camera (kept after the object ended).
  const std::map<std::string, TrackedObject>& best_per_label() const { return best_; }

  // better(current, candidate) of §8.1.
  static bool better(const Thumbnail& current, const Thumbnail& candidate, int W, int H);
  // Median of the history padded with zeros to 3 values.
  static double computed_score(const std::deque<double>& history);

 private:
  void update_zones(TrackedObject& o);
  double threshold(const std::string& label) const;

  const CameraConfig& cfg_;
  std::map<std::string, TrackedObject> objects_;  // live objects by id
  std::map<std::string, TrackedObject> best_;     // label → best object
};

}  // namespace vigil
