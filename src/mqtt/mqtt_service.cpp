#include "mqtt/mqtt_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "mqtt/mqtt_commands.h"
#include "mqtt/mqtt_messages.h"
#include "render/render.h"
#include "review/review_segment.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/printable.h"

namespace vigil {
namespace {

const char* on_off(bool v) { return v ? "ON" : "OFF"; }

constexpr size_t kMaxLoggedPayload = 64;  // bytes of a bad `…/set` payload shown in the log

}  // namespace

MqttService::MqttService(const Config& cfg, SwitchesMap switches, std::function<std::string()> stats_json,
                         const Clock& clock, ConnectionFactory connect)
    : cfg_(cfg),
      prefix_(cfg.mqtt.topic_prefix),
      switches_(std::move(switches)),
      stats_json_(std::move(stats_json)),
      clock_(clock) {
  for (const CameraConfig& cam : cfg_.cameras) {
    for (const std::string& label : cam.track) counts_[cam.name][label] = active_counts_[cam.name][label] = 0;
    all_counts_[cam.name][""] = all_counts_[cam.name]["/active"] = 0;
    review_status_[cam.name] = "NONE";
    for (const ZoneConfig& z : cam.zones) {
      for (const std::string& label : cam.track) {
        zone_counts_[z.name][label][cam.name] = 0;
        zone_totals_[z.name][label] = 0;
        zone_active_.per_camera[z.name][label][cam.name] = zone_active_.totals[z.name][label] = 0;
      }
      zone_all_.per_camera[z.name]["all"][cam.name] = zone_all_.totals[z.name]["all"] = 0;
      zone_active_.per_camera[z.name]["all"][cam.name] = zone_active_.totals[z.name]["all"] = 0;
    }
  }
  MqttClient::Options o;
  o.host = cfg.mqtt.host;
  o.port = cfg.mqtt.port;
  o.client_id = cfg.mqtt.client_id;
  o.user = cfg.mqtt.user;
  o.password = cfg.mqtt.password;
  o.will_topic = topic("available");
  if (!connect)
    connect = [&clock](MqttClient::Options opts, MqttClient::ConnectHandler c, MqttClient::MessageHandler m) {
      return std::make_unique<MqttClient>(std::move(opts), std::move(c), std::move(m), clock);
    };
  client_ = connect(
      o, [this] { on_connect(); }, [this](const std::string& t, const std::string& p, bool r) { on_message(t, p, r); });
}

MqttService::~MqttService() { stop(); }

std::string MqttService::topic(const std::string& a, const std::string& b, const std::string& c) const {
  std::string t = prefix_ + "/" + a;
  if (!b.empty()) t += "/" + b;
  if (!c.empty()) t += "/" + c;
  return t;
}

void MqttService::start() {
  const double started = clock_.mono();  // here, not on the thread: the schedule starts now
  worker_.start([this, started] { run(started); });
  client_->start();
}

void MqttService::stop() {
  if (!worker_.running()) return;
  worker_.stop();  // publishes what is queued first
  client_->stop(topic("available"), "offline");
}

void MqttService::enqueue(Outgoing m) {
  {
    std::lock_guard lock(worker_.mutex());
    enqueue_locked(std::move(m));
  }
  worker_.notify();
}

MqttService::Health MqttService::health() const {
  return {client_->connected(), client_->failed_attempts(), dropped_.load()};
}

void MqttService::enqueue_locked(Outgoing m) {
  if (queue_.size() >= kMaxQueue) {
    auto it = std::find_if(queue_.begin(), queue_.end(), [](const Outgoing& o) { return !o.retain; });
    queue_.erase(it != queue_.end() ? it : queue_.begin());
    ++dropped_;
    if (!overflow_warned_) logger("vigil.mqtt")->warn("more than {} messages waiting; dropping the oldest", kMaxQueue);
    overflow_warned_ = true;
  } else if (queue_.size() < kMaxQueue / 2) {
    overflow_warned_ = false;
  }
  queue_.push_back(std::move(m));
}

void MqttService::queue_snapshot(const CameraConfig& cam, const TrackedObject& o) {
  if (!cam.mqtt.enabled || !o.best || !o.best->frame) return;
  if (!required_zones_met(cam.mqtt.required_zones, o.entered_zones)) return;
  Outgoing m;
  m.topic = topic(cam.name, o.label, "snapshot");
  m.retain = true;
  m.snapshot = o;
  m.cam = &cam;
  enqueue(std::move(m));
}

void MqttService::on_frame(const std::string& camera, const FrameSummary& s) {
  const CameraConfig* cam = cfg_.camera(camera);
  if (!cam) return;
  std::lock_guard lock(state_mu_);
  // Best images first, then counts, then zone counts (pipeline.md §11).
  for (const TrackedObject& o : s.new_best) {
    best_[camera][o.label] = o;
    queue_snapshot(*cam, o);
  }
  auto& counts = counts_[camera];
  for (const auto& [label, n] : s.counts) {
    int& cur = counts[label];
    if (cur == n) continue;
    cur = n;
    enqueue({topic(camera, label), std::to_string(n), false, std::nullopt, nullptr});
    if (n == 0)
      if (auto it = best_[camera].find(label); it != best_[camera].end()) queue_snapshot(*cam, it->second);
  }
  for (const auto& [zone, labels] : s.zone_counts)
    for (const auto& [label, n] : labels) {
      auto& per_cam = zone_counts_[zone][label];
      if (per_cam[camera] == n) continue;
      per_cam[camera] = n;
      int total = 0;
      for (const auto& [c, k] : per_cam) total += k;
      int& cur = zone_totals_[zone][label];
      if (cur == total) continue;
      cur = total;
      enqueue({topic(zone, label), std::to_string(total), false, std::nullopt, nullptr});
    }
  on_frame_014(*cam, s);
}

void MqttService::set_zone_count(ZoneTally& tally, const std::string& zone, const std::string& label,
                                 const std::string& camera, int n, const std::string& suffix) {
  int& mine = tally.per_camera[zone][label][camera];
  if (mine == n) return;
  mine = n;
  int total = 0;
  for (const auto& [c, k] : tally.per_camera[zone][label]) total += k;
  int& cur = tally.totals[zone][label];
  if (cur == total) return;
  cur = total;
  enqueue({topic(zone, label) + suffix, std::to_string(total), false, std::nullopt, nullptr});
}

// ha-current.md §3.4: `<cam>/motion` on the transition to motion and after
// mqtt_off_delay s without; `all` and `/active` counts on change (review_status follows
// the review segments: on_reviews).
void MqttService::on_frame_014(const CameraConfig& cam, const FrameSummary& s) {
  const std::string& camera = cam.name;
  MotionState& m = motion_[camera];
  if (s.motion) {
    m.last_motion = s.frame_time;
    if (!m.on) enqueue({topic(camera, "motion"), "ON", false, std::nullopt, nullptr});
    m.on = true;
  } else if (m.on && s.frame_time - m.last_motion >= cam.motion.mqtt_off_delay) {
    m.on = false;
    enqueue({topic(camera, "motion"), "OFF", false, std::nullopt, nullptr});
  }
  // The counts come from a summary of the objects (summarize_frame
  // gives an active count for every tracked label); one without (0.8's shape, as the
  // queue tests build) leaves them as they are.
  if (s.active_counts.empty()) return;
  auto publish_if_changed = [&](int& cur, int n, const std::string& t) {
    if (cur == n) return;
    cur = n;
    enqueue({t, std::to_string(n), false, std::nullopt, nullptr});
  };
  int all = 0, all_active = 0;
  for (const auto& [label, n] : s.counts) all += n;
  for (const auto& [label, n] : s.active_counts) {
    all_active += n;
    publish_if_changed(active_counts_[camera][label], n, topic(camera, label, "active"));
  }
  publish_if_changed(all_counts_[camera][""], all, topic(camera, "all"));
  publish_if_changed(all_counts_[camera]["/active"], all_active, topic(camera, "all", "active"));
  for (const auto& [zone, labels] : s.zone_counts) {
    int n = 0;
    for (const auto& [label, k] : labels) n += k;
    set_zone_count(zone_all_, zone, "all", camera, n, "");
  }
  for (const auto& [zone, labels] : s.zone_active_counts) {
    int n = 0;
    for (const auto& [label, k] : labels) {
      n += k;
      set_zone_count(zone_active_, zone, label, camera, k, "/active");
    }
    set_zone_count(zone_active_, zone, "all", camera, n, "/active");
  }
}

void MqttService::on_reviews(const std::vector<ReviewMessage>& messages) {
  std::lock_guard lock(state_mu_);
  for (const ReviewMessage& m : messages) {
    if (!m.announce) continue;
    static const char* kTypes[] = {"new", "update", "end"};
    nlohmann::json j = {{"type", kTypes[m.type]}, {"before", review_json(m.before)}, {"after", review_json(m.after)}};
    enqueue({topic("reviews"), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), false, std::nullopt,
             nullptr});
    std::string status = m.type == ReviewMessage::kEnd                ? "NONE"
                         : m.after.severity == ReviewSeverity::kAlert ? "ALERT"
                                                                      : "DETECTION";
    review_status_[m.after.camera] = status;
    enqueue({topic(m.after.camera, "review_status"), status, false, std::nullopt, nullptr});
  }
}

void MqttService::on_events(const std::vector<EventMessage>& messages) {
  for (const EventMessage& m : messages) enqueue({topic("events"), event_json(m), false, std::nullopt, nullptr});
}

// mqtt.md §1.1, on every connect. Messages queued while disconnected are dropped: the
// retained state and the counts are sent again here.
void MqttService::on_connect() {
  {
    std::lock_guard lock(worker_.mutex());
    queue_.clear();
  }
  enqueue({topic("available"), "online", true, std::nullopt, nullptr});
  for (const CameraConfig& cam : cfg_.cameras) {
    const CameraSwitches& sw = *switches_.at(cam.name);
    enqueue({topic(cam.name, "clips", "state"), on_off(sw.clips), true, std::nullopt, nullptr});
    enqueue({topic(cam.name, "snapshots", "state"), on_off(sw.snapshots), true, std::nullopt, nullptr});
    enqueue({topic(cam.name, "detect", "state"), on_off(sw.detect), true, std::nullopt, nullptr});
  }
  for (const char* what : {"clips", "snapshots", "detect"}) client_->subscribe(topic("+", what, "set"));
  std::lock_guard lock(state_mu_);
  for (const auto& [camera, labels] : counts_)
    for (const auto& [label, n] : labels)
      enqueue({topic(camera, label), std::to_string(n), false, std::nullopt, nullptr});
  for (const auto& [zone, labels] : zone_totals_)
    for (const auto& [label, n] : labels)
      enqueue({topic(zone, label), std::to_string(n), false, std::nullopt, nullptr});
  on_events(recovered_ends_);
  recovered_ends_.clear();
  // ha-current.md §3.4, after all of 0.8's steps (0.8 clients see the same sequence first).
  // Initial retained states and their subscriptions, then motion OFF, review status, counts.
  for (const CameraConfig& cam : cfg_.cameras) {
    const CameraSwitches& sw = *switches_.at(cam.name);
    for (const std::string& what : state_topics())
      if (what != "detect" && what != "snapshots")
        enqueue({topic(cam.name, what, "state"), state_payload(sw, what), true, std::nullopt, nullptr});
  }
  for (const std::string& what : state_topics())
    if (what != "detect" && what != "snapshots") client_->subscribe(topic("+", what, "set"));
  for (const CameraConfig& cam : cfg_.cameras) {
    motion_[cam.name].on = false;
    enqueue({topic(cam.name, "motion"), "OFF", false, std::nullopt, nullptr});
    enqueue({topic(cam.name, "review_status"), review_status_[cam.name], false, std::nullopt, nullptr});
  }
  for (const auto& [camera, counts] : active_counts_)
    for (const auto& [label, n] : counts)
      enqueue({topic(camera, label, "active"), std::to_string(n), false, std::nullopt, nullptr});
  for (const auto& [camera, counts] : all_counts_)
    for (const auto& [suffix, n] : counts)
      enqueue({topic(camera, "all") + suffix, std::to_string(n), false, std::nullopt, nullptr});
  for (const auto& [tally, suffix] : {std::pair{&zone_all_, ""}, std::pair{&zone_active_, "/active"}})
    for (const auto& [zone, labels] : tally->totals)
      for (const auto& [label, n] : labels)
        enqueue({topic(zone, label) + suffix, std::to_string(n), false, std::nullopt, nullptr});
}

void MqttService::on_message(const std::string& t, const std::string& payload, bool) {
  auto log = logger("vigil.mqtt");
  std::optional<SetTopic> st = parse_set_topic(prefix_, t);
  if (!st) return;
  CommandResult r = apply_set_command(switches_, *st, payload);
  if (!r.known_camera) {
    log->debug("{}: unknown camera {}", printable(t), printable(st->camera));
    return;
  }
  const bool number = st->what == "motion_threshold" || st->what == "motion_contour_area";
  if (!r.valid) {  // topic and payload are anyone's: one escaped, bounded log line
    std::string expected = "ON or OFF";
    if (number) {
      auto [lo, hi] = number_range(st->what);
      expected = "an integer " + std::to_string(lo) + "-" + std::to_string(hi);
    }
    log->warn("{}: invalid payload \"{}\" (expected {}); {} stays {}", printable(t),
              printable(payload, kMaxLoggedPayload), expected, st->what, r.payload);
  } else if (!r.refused.empty()) {  // 0.14: refused, and no state published
    log->warn("{}: {} {} refused: {}", st->camera, st->what, printable(payload, kMaxLoggedPayload), r.refused);
    return;
  } else if (r.changed) {
    log->info("{}: {} {}", st->camera, st->what, r.payload);
  }
  enqueue({topic(st->camera, st->what, "state"), r.payload, true, std::nullopt, nullptr});
  for (const auto& [what, p] : r.also) enqueue({topic(st->camera, what, "state"), p, true, std::nullopt, nullptr});
}

// The stats timer runs on the clock: the first stats kFirstStats s after start, then
// every stats_interval. Once stopping, what is queued is still sent, then it returns.
void MqttService::run(double started) {
  const double interval = std::max(1, cfg_.mqtt.stats_interval);
  double next_stats = started + kFirstStats;
  for (;;) {
    Outgoing m;
    bool stats_due = false;
    {
      std::unique_lock lock(worker_.mutex());
      worker_.wait_until(lock, next_stats, [this] { return !queue_.empty(); });
      stats_due = clock_.mono() >= next_stats;
      if (!stats_due) {
        if (queue_.empty()) {
          if (worker_.stopping()) return;
          continue;
        }
        m = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (stats_due) {
      next_stats += interval;
      if (double now = clock_.mono(); next_stats < now) next_stats = now + interval;
      if (client_->connected() && stats_json_) client_->publish(topic("stats"), stats_json_(), false);
      continue;
    }
    if (!client_->connected()) continue;  // dropped while disconnected (§1.2)
    if (m.snapshot) {
      const CameraMqttConfig& o = m.cam->mqtt;
      try {
        m.payload = render_snapshot(*m.snapshot->best, m.snapshot->label, *m.cam, o.timestamp, o.bounding_box, o.crop,
                                    o.height);
      } catch (const std::exception& e) {
        logger("vigil.mqtt")->warn("snapshot of {} {}: {}", m.cam->name, m.snapshot->label, e.what());
        continue;
      }
    }
    client_->publish(m.topic, m.payload, m.retain);
  }
}

}  // namespace vigil
