#include "util/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace vigil {
namespace {

// Label values: backslash, double quote and newline escaped; help: backslash and newline.
void escape(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

}  // namespace

std::string metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    for (int precision = 15; precision <= 17; ++precision) {  // the shortest that reads back the same
      std::snprintf(buf, sizeof buf, "%.*g", precision, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
  return buf;
}

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  escape(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsText::sample(std::string_view name, const MetricLabels& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ',';
      out_ += labels[i].first;
      out_ += "=\"";
      escape(out_, labels[i].second, true);
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += metric_value(value);
  out_ += '\n';
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end())
    throw std::logic_error("histogram bounds must increase");
}

void Histogram::observe(double v) noexcept {
  const size_t i = size_t(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());  // v <= bound
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

const std::vector<double>& slow_task_buckets() {
  static const std::vector<double> b = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return b;
}

MetricLabels MetricFamilyBase::labels(const std::vector<std::string>& values) const {
  MetricLabels l;
  for (size_t i = 0; i < label_names_.size(); ++i) l.emplace_back(label_names_[i], values[i]);
  return l;
}

template <class M>
M& MetricFamily<M>::with(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size())
    throw std::logic_error("metric " + name_ + ": " + std::to_string(label_names_.size()) + " label values expected");
  std::lock_guard lock(mu_);
  std::unique_ptr<M>& m = children_[values];
  if (!m) {
    if constexpr (std::is_same_v<M, Histogram>)
      m = std::make_unique<M>(bounds_);
    else
      m = std::make_unique<M>();
  }
  return *m;
}

template <>
const char* MetricFamily<Counter>::type() const {
  return "counter";
}
template <>
const char* MetricFamily<Gauge>::type() const {
  return "gauge";
}
template <>
const char* MetricFamily<Histogram>::type() const {
  return "histogram";
}

template <class M>
void MetricFamily<M>::write(MetricsText& out) const {
  out.family(name_, type(), help_);
  std::lock_guard lock(mu_);
  for (const auto& [values, m] : children_) {
    MetricLabels l = labels(values);
    if constexpr (std::is_same_v<M, Histogram>) {
      const Histogram::Snapshot s = m->snapshot();
      l.emplace_back("le", "");
      for (size_t i = 0; i < s.cumulative.size(); ++i) {
        l.back().second = i < s.bounds.size() ? metric_value(s.bounds[i]) : "+Inf";
        out.sample(name_ + "_bucket", l, double(s.cumulative[i]));
      }
      l.pop_back();
      out.sample(name_ + "_sum", l, s.sum);
      out.sample(name_ + "_count", l, double(s.cumulative.back()));
    } else {
      out.sample(name_, l, double(m->value()));
    }
  }
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

template <class M>
MetricFamily<M>& MetricsRegistry::family(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  std::unique_ptr<MetricFamilyBase>& f = families_[name];
  if (!f) f = std::make_unique<MetricFamily<M>>(name, help, label_names, std::move(bounds));
  auto* typed = dynamic_cast<MetricFamily<M>*>(f.get());
  if (!typed || typed->label_names() != label_names)
    throw std::logic_error("metric " + name + " registered twice with another type or labels");
  return *typed;
}

MetricFamily<Counter>& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                                std::vector<std::string> label_names) {
  return family<Counter>(name, help, std::move(label_names), {});
}

MetricFamily<Gauge>& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names) {
  return family<Gauge>(name, help, std::move(label_names), {});
}

MetricFamily<Histogram>& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                                    std::vector<std::string> label_names, std::vector<double> bounds) {
  return family<Histogram>(name, help, std::move(label_names), std::move(bounds));
}

void MetricsRegistry::write(MetricsText& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, f] : families_) f->write(out);
}

MetricsRegistry& process_metrics() {
  static MetricsRegistry r;
  return r;
}

}  // namespace vigil
