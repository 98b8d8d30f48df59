// The RTSP restream's buffer times (restream/rtsp_timeline.h): packet times mapped onto
// the pipeline's running time.
#include "restream/rtsp_timeline.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(RtspTimeline, FollowsThePacketCadenceNotTheArrivalJitter) {
  RtspTimeline t;
  // Anchored at the pipeline's clock when the first packet comes ...
  EXPECT_EQ(t.map(5000 * kMs, 5000 * kMs, 700 * kMs).dts, 700 * kMs);
  // ... then the packets' own 100 ms steps, whatever the arrival jitter.
  EXPECT_EQ(t.map(5100 * kMs, 5100 * kMs, 830 * kMs).dts, 800 * kMs);
  EXPECT_EQ(t.map(5200 * kMs, 5200 * kMs, 880 * kMs).dts, 900 * kMs);
  EXPECT_EQ(t.anchors(), 1);
}

TEST(RtspTimeline, KeepsTheCompositionOffsetOfBFrames) {
  RtspTimeline t;
  RtspTimeline::Times a = t.map(0, 200 * kMs, 0);
  EXPECT_EQ(a.pts - a.dts, 200 * kMs);
  RtspTimeline::Times b = t.map(100 * kMs, 100 * kMs, 100 * kMs);
  EXPECT_EQ(b.pts, b.dts);
  // A pts before its dts (broken input) is shown at its dts.
  RtspTimeline::Times c = t.map(200 * kMs, 150 * kMs, 200 * kMs);
  EXPECT_EQ(c.pts, c.dts);
}

TEST(RtspTimeline, PacketTimesGoingBackOrJumpingReanchorAndStayIncreasing) {
  RtspTimeline t;
  t.map(80'000 * kMs, 80'000 * kMs, 1000 * kMs);
  RtspTimeline::Times last = t.map(80'100 * kMs, 80'100 * kMs, 1100 * kMs);
  // A reconnection: the camera's times restart from 0.
  RtspTimeline::Times back = t.map(0, 0, 1150 * kMs);
  EXPECT_EQ(back.dts, 1150 * kMs);
  EXPECT_GT(back.dts, last.dts);
  EXPECT_EQ(t.map(100 * kMs, 100 * kMs, 1250 * kMs).dts, 1250 * kMs);
  // A jump forward of an hour: re-anchored at the clock.
  EXPECT_EQ(t.map(3'600'000 * kMs, 3'600'000 * kMs, 1350 * kMs).dts, 1350 * kMs);
  EXPECT_EQ(t.anchors(), 3);
  // The clock behind the last time given out (it never is, but): still increasing.
  RtspTimeline::Times after = t.map(0, 0, 0);
  EXPECT_EQ(after.dts, 1350 * kMs + RtspTimeline::kMinStep);
}

TEST(RtspTimeline, DriftBeyondTheLimitReanchorsWithinItDoesNot) {
  RtspTimeline t;
  t.map(0, 0, 0);
  // The camera's clock runs slow by 1.5 s over 100 s: kept.
  EXPECT_EQ(t.map(100'000 * kMs, 100'000 * kMs, 101'500 * kMs).dts, 100'000 * kMs);
  // By 2.5 s: re-anchored at the pipeline's clock.
  EXPECT_EQ(t.map(200'000 * kMs, 200'000 * kMs, 202'500 * kMs).dts, 202'500 * kMs);
  EXPECT_EQ(t.anchors(), 2);
}

TEST(RtspTimeline, WithoutAClockStartsAtZeroThenJoinsTheClock) {
  RtspTimeline t;
  EXPECT_EQ(t.map(9000 * kMs, 9000 * kMs, std::nullopt).dts, 0);
  EXPECT_EQ(t.map(9100 * kMs, 9100 * kMs, std::nullopt).dts, 100 * kMs);
  // The clock appears 5 s on: re-anchored there.
  EXPECT_EQ(t.map(9200 * kMs, 9200 * kMs, 5000 * kMs).dts, 5000 * kMs);
  t.reset();
  EXPECT_EQ(t.anchors(), 0);
  EXPECT_EQ(t.map(1, 1, 42).dts, 42);
}

}  // namespace
}  // namespace vigil
