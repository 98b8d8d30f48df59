// What the events thread reports through EventStore's completion hooks, for tests to
// wait on instead of sleeping. Each wait is bounded (20 s of real time) only so a broken
// build fails instead of hanging.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "events/event_store.h"

namespace vigil::test {

class EventHooks {
 public:
  // Installs the hooks; before store.start().
  explicit EventHooks(EventStore& store) : store_(store) {
    store.set_on_handled([this](const EventMessage& m) { record(handled_, {m.after.id, m.type}); });
    store.set_on_finished([this](const std::string& id, bool stored) { record(finished_, {id, stored ? 1 : 0}); });
  }

  // The thread handled the message of `id` of `type`.
  bool handled(const std::string& id, EventMessage::Type type) { return wait_for(handled_, {id, type}); }
  // The thread tried to store the finished event `id`; `stored`: its row was written.
  bool finished(const std::string& id, bool stored) { return wait_for(finished_, {id, stored ? 1 : 0}); }
  // Waits until the thread completed a whole pass after this call: everything posted
  // before is handled and that pass's clip, retry and pruning work is done. (Posts two
  // messages of an unknown camera, which the thread ignores, in two passes.)
  bool pass() {
    for (int i = 0; i < 2; ++i) {
      const std::string id = "barrier-" + std::to_string(++barriers_);
      EventMessage m{EventMessage::kUpdate, "no-such-camera", {}, {}, 0};
      m.after.id = id;
      store_.post({m});
      if (!handled(id, EventMessage::kUpdate)) return false;
    }
    return true;
  }

 private:
  using Record = std::pair<std::string, int>;
  void record(std::vector<Record>& v, Record r) {
    {
      std::lock_guard lock(mu_);
      v.push_back(std::move(r));
    }
    cv_.notify_all();
  }
  bool wait_for(const std::vector<Record>& v, const Record& r) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] {
      for (const Record& x : v)
        if (x == r) return true;
      return false;
    });
  }

  EventStore& store_;
  int barriers_ = 0;  // test thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Record> handled_;   // guarded by mu_: (id, message type), in order
  std::vector<Record> finished_;  // guarded by mu_: (id, stored), in order
};

}  // namespace vigil::test
