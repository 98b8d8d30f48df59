// The events thread (pipeline.md §1, §11; storage.md §3): persists events in progress,
// writes snapshots, finishes events into the `event` table, and answers what the API
// needs about events still in progress. Cameras hand it messages and never wait on
// disk or database.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/config.h"
#include "config/switches.h"
#include "events/event_lifecycle.h"

namespace vigil {

class EventDb;

class EventStore {
 public:
  EventStore(const Config& cfg, EventDb& db);
  ~EventStore();

  // Before cameras start: finishes the events a crash left open (storage.md §3.1).
  void recover();

  // The cameras' runtime switches (MQTT clips/snapshots `…/set`): events that end
  // from then on follow them instead of the config values. Call before start().
  void set_switches(SwitchesMap s) { switches_ = std::move(s); }

  void start();
  // Handles every queued message, then stops.
  void stop();

  // From camera processing threads.
  void post(std::vector<EventMessage> messages);

  // An event in progress (or ending, not yet written): its latest object state.
  std::optional<std::pair<TrackedObject, const CameraConfig*>> in_progress(const std::string& id) const;

 private:
  void run();
  void handle(const EventMessage& m);
  void finish(const EventMessage& m);
  bool write_snapshot(const CameraConfig& cam, const TrackedObject& o, bool pending);
  void write_pending_snapshot(const CameraConfig& cam, const EventMessage& m);
  bool snapshots_enabled(const CameraConfig& cam) const;
  bool clips_enabled(const CameraConfig& cam) const;
  std::string snapshot_path(const std::string& camera, const std::string& id, bool pending) const;

  const Config& cfg_;
  EventDb& db_;
  SwitchesMap switches_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<EventMessage> queue_;                                             // guarded by mu_
  bool stopping_ = false;                                                      // guarded by mu_
  std::map<std::string, std::pair<TrackedObject, const CameraConfig*>> live_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace vigil
