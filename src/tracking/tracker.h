// Object tracker (pipeline.md §7): continues each track with at most one detection of
// the same label per frame. The contract is 0.8's centroid tracker (ids, start times,
// a track ends after max_disappeared + 1 consecutive unmatched frames, ids never
// reused); vigil picks *which* detection continues a track with a globally optimal
// assignment (Hungarian) on an IoU/distance cost, gated, against a constant-velocity
// prediction, so crossing paths keep their ids and far-away newcomers get new ones.
// Where detections carry an appearance, it is part of the cost and gates the match: a
// detection that looks different never continues a track (stricter once the track
// has gone unmatched), so an id follows a person, not a place.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "detect/detection.h"
#include "util/box.h"

namespace vigil {

struct Track {
  std::string id;                               // "<frame time text>-<6 chars a-z0-9>", never reused
  double start_time = 0;                        // frame time of the first detection
  Detection det;                                // the last detection that continued this track
  double frame_time = 0;                        // frame time of that detection
  int disappeared = 0;                          // consecutive aged frames without a match
  bool matched = false;                         // matched in the latest update
  std::deque<std::pair<double, double>> steps;  // last centroid displacements per frame (≤ 5)
  int coasted = 0;                              // frames carried on its prediction (not aged) since its last match
  bool coasting = false;     // carried on its prediction in the latest update (no region looked at it)
  std::optional<Box> found;  // while coasting: where its last patch was found in the latest frame
  std::vector<float> look;   // running appearance of its detections; empty = unknown
};

class Tracker {
 public:
  // `make_id(frame_time)` returns a fresh track id (injected so tests are deterministic).
  Tracker(int max_disappeared, std::function<std::string(double)> make_id);

  // One processed frame. Tracks in `held` (stationary objects on held frames, §7.4)
  // still take part in matching but are not aged when unmatched. Tracks in `coast`
  // (moving objects the detector did not look at this frame, tracking/coasting.h) are
  // not aged either: unmatched, they move on their prediction.
  void update(double frame_time, const std::vector<Detection>& detections, const std::set<std::string>& held = {},
              const std::set<std::string>& coast = {});

  // Live tracks in creation order.
  const std::vector<Track>& tracks() const { return tracks_; }
  // Ids removed by the latest update.
  const std::vector<std::string>& removed() const { return removed_; }
  // Ids created by the latest update.
  const std::vector<std::string>& created() const { return created_; }

  // The predicted box of a track for the next frame (constant velocity).
  static Box predict(const Track& t);
  // Where a track is now: its last detection's box, moved on by the frames it coasted
  // (or where its patch was found, tracking/coasting.h).
  static Box position(const Track& t);
  // A coasting track was found at `box` in this frame (after update()).
  void place(const std::string& id, const Box& box);

  // Appearance distance above which a detection cannot continue a track that matched in
  // the previous frame, and the stricter one for a track unmatched since.
  static constexpr double kLookGate = 0.5;
  static constexpr double kLookGateLost = 0.35;

 private:
  void start_track(double frame_time, const Detection& d);
  void age(Track& t, const std::set<std::string>& held, const std::set<std::string>& coast);

  int max_disappeared_;
  std::function<std::string(double)> make_id_;
  std::vector<Track> tracks_;
  std::vector<std::string> removed_, created_;
};

// The event id text of a frame time (pipeline.md §2.2): "1607123955.475377",
// "1607123955.5", "1607123955.0".
std::string frame_time_text(double t);
// A fresh id "<frame time text>-<6 random [a-z0-9]>".
std::string random_track_id(double frame_time);

}  // namespace vigil
