// Prometheus metrics (docs/metrics.md): counters, gauges and fixed-bucket histograms
// with labels, and the text exposition format 0.0.4 writer. Updating a metric is one
// relaxed atomic operation; only looking a labelled child up takes a mutex, so hot paths
// look theirs up once and keep the reference (children live as long as their registry).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Builds one exposition document: each family's `# HELP` and `# TYPE` once, then its
// samples. Label values and help text are escaped as the format says.
class MetricsText {
 public:
  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const MetricLabels& labels, double value);
  const std::string& text() const { return out_; }

 private:
  std::string out_;  // the document so far
};

// Formats a sample value: integers without a fraction, +Inf/-Inf/NaN as the format spells them.
std::string metric_value(double v);

class Counter {
 public:
  void inc(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};  // only grows
};

class Gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { v_.fetch_add(d, std::memory_order_relaxed); }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};  // the last value set (or the sum of what was added)
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
  };
  // Not one atomic read: an observation racing it may show in the buckets and not yet
  // in the sum. The count is the +Inf bucket, so the two always agree.
  Snapshot snapshot() const;

 private:
  const std::vector<double> bounds_;                 // increasing, fixed at construction
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket (not cumulative), +Inf last; only grow
  std::atomic<double> sum_{0};                       // of every observed value
};

// Upper bounds for durations from 1 ms to 10 s.
const std::vector<double>& latency_buckets();
// Upper bounds for durations from 50 ms to 2 min.
const std::vector<double>& slow_task_buckets();

// One metric family: a name, its help, its label names, and one child per label values.
class MetricFamilyBase {
 public:
  MetricFamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamilyBase() = default;
  virtual void write(MetricsText& out) const = 0;
  virtual const char* type() const = 0;
  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  MetricLabels labels(const std::vector<std::string>& values) const;
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
};

template <class M>
class MetricFamily : public MetricFamilyBase {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> bounds = {})
      : MetricFamilyBase(std::move(name), std::move(help), std::move(label_names)), bounds_(std::move(bounds)) {}
  // The child for these label values (as many as label names), made on first use. The
  // reference stays valid as long as the family.
  M& with(const std::vector<std::string>& values);
  M& get() { return with({}); }
  void write(MetricsText& out) const override;
  const char* type() const override;

 private:
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;             // guards children_ (the map, not the metrics in it)
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;  // by label values; never removed
};

class MetricsRegistry {
 public:
  // Each returns the family of that name, made on first call; a second call with another
  // type or label names throws std::logic_error.
  MetricFamily<Counter>& counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names = {});
  MetricFamily<Gauge>& gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names = {});
  MetricFamily<Histogram>& histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names, std::vector<double> bounds);
  // Every family, in name order.
  void write(MetricsText& out) const;

 private:
  template <class M>
  MetricFamily<M>& family(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                          std::vector<double> bounds);
  mutable std::mutex mu_;  // guards families_ (the map, not the families)
  std::map<std::string, std::unique_ptr<MetricFamilyBase>> families_;
};

// The process's registry: what the stages count where it happens (detector pool,
// recorder, clip assembler, event store, HTTP server), written by GET /api/metrics.
MetricsRegistry& process_metrics();

}  // namespace vigil
