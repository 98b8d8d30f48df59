// The metrics registry and the Prometheus text exposition writer (util/metrics.h).
#include "util/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

namespace vigil {
namespace {

TEST(Metrics, FamiliesHaveHelpTypeAndLabelledSamples) {
  MetricsRegistry r;
  r.counter("vigil_things_total", "Things done.", {"camera_name"}).with({"front"}).inc(3);
  r.gauge("vigil_level", "A level.").get().set(2.5);
  MetricsText out;
  r.write(out);
  EXPECT_EQ(out.text(),
            "# HELP vigil_level A level.\n# TYPE vigil_level gauge\nvigil_level 2.5\n"
            "# HELP vigil_things_total Things done.\n# TYPE vigil_things_total counter\n"
            "vigil_things_total{camera_name=\"front\"} 3\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  MetricsText out;
  out.family("m", "gauge", "line\\one\nline two");
  out.sample("m", {{"path", "a\"b\\c\nd"}}, 1);
  EXPECT_EQ(out.text(), "# HELP m line\\\\one\\nline two\n# TYPE m gauge\nm{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Metrics, ValuesAsTheFormatSpellsThem) {
  EXPECT_EQ(metric_value(0), "0");
  EXPECT_EQ(metric_value(12345678901.0), "12345678901");
  EXPECT_EQ(metric_value(0.25), "0.25");
  EXPECT_EQ(metric_value(0.1), "0.1");
  EXPECT_EQ(metric_value(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(metric_value(INFINITY), "+Inf");
  EXPECT_EQ(metric_value(-INFINITY), "-Inf");
  EXPECT_EQ(metric_value(NAN), "NaN");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry r;
  Histogram& h = r.histogram("vigil_t_seconds", "T.", {"name"}, {0.1, 1}).with({"x"});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: that bucket (le is "less or equal")
  h.observe(0.5);
  h.observe(7);
  MetricsText out;
  r.write(out);
  EXPECT_EQ(out.text(),
            "# HELP vigil_t_seconds T.\n# TYPE vigil_t_seconds histogram\n"
            "vigil_t_seconds_bucket{name=\"x\",le=\"0.1\"} 2\n"
            "vigil_t_seconds_bucket{name=\"x\",le=\"1\"} 3\n"
            "vigil_t_seconds_bucket{name=\"x\",le=\"+Inf\"} 4\n"
            "vigil_t_seconds_sum{name=\"x\"} 7.65\n"
            "vigil_t_seconds_count{name=\"x\"} 4\n");
}

TEST(Metrics, SameNameGivesTheSameFamilyAndAnotherTypeThrows) {
  MetricsRegistry r;
  Counter& a = r.counter("vigil_x_total", "X.", {"k"}).with({"v"});
  Counter& b = r.counter("vigil_x_total", "X.", {"k"}).with({"v"});
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.gauge("vigil_x_total", "X.", {"k"}), std::logic_error);
  EXPECT_THROW(r.counter("vigil_x_total", "X.", {"other"}), std::logic_error);
  EXPECT_THROW(r.counter("vigil_x_total", "X.", {"k"}).with({}), std::logic_error);
  EXPECT_THROW(Histogram({1, 0.5}), std::logic_error);
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry r;
  auto& fam = r.counter("vigil_n_total", "N.", {"t"});
  Histogram& h = r.histogram("vigil_h", "H.", {}, latency_buckets()).get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        fam.with({std::to_string(i % 2)}).inc();
        h.observe(0.002);
      }
      (void)t;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(fam.with({"0"}).value() + fam.with({"1"}).value(), 40000u);
  const Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_NEAR(s.sum, 80.0, 1e-6);
}

}  // namespace
}  // namespace vigil
