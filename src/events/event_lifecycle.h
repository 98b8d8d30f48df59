// Turns one camera's tracked objects into event messages (pipeline.md §11): `new` the
// first frame an object is a true positive, `update` on significant changes at most
// every 5 s, `end` when a true positive's track ends. False positives never become
// events. Runs on the camera's processing thread; the messages go to the event store.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tracking/objects.h"

namespace vigil {

struct EventMessage {
  enum Type { kNew, kUpdate, kEnd } type;
  std::string camera;
  TrackedObject before;  // the state last announced (for `new`: the false-positive state)
  TrackedObject after;   // the state now; for `end` the final state
  double end_time = 0;   // `end` only: frame time the track was dropped
};

class EventLifecycle {
 public:
  static constexpr double kUpdateInterval = 5.0;  // seconds of frame time between updates

  explicit EventLifecycle(std::string camera) : camera_(std::move(camera)) {}

  // After ObjectStates::update for the frame at `frame_time`: `ended` are the objects
  // the tracker dropped in this frame.
  std::vector<EventMessage> update(double frame_time, const ObjectStates& states,
                                   const std::vector<TrackedObject>& ended);
  // Clean shutdown: ends every open true-positive event at `frame_time`.
  std::vector<EventMessage> end_all(double frame_time, const ObjectStates& states);

 private:
  struct Published {
    TrackedObject previous;       // state announced last (or the initial state)
    double last_published = 0;    // frame time of the last new/update message
    double last_significant = 0;  // frame time of the last significant change
    bool announced = false;       // `new` sent
  };
  std::string camera_;
  std::map<std::string, Published> state_;  // by object id
};

}  // namespace vigil
