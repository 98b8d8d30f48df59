// util/worker: the loop wakes on notify(), on the manual clock's advance(), and ends on stop().
#include "util/worker.h"

#include <gtest/gtest.h>

#include <atomic>

#include "test_media.h"

using namespace vigil;
using vigil::test::eventually;

TEST(Worker, WakesOnNotifyAndOnTheManualClockAndStops) {
  ManualClock clock;
  Worker w(clock);
  int items = 0, ticks = 0;  // guarded by w.mutex()
  bool want_item = false;
  w.start([&] {
    std::unique_lock lock(w.mutex());
    double next_tick = clock.mono() + 10;
    while (!w.stopping()) {
      if (w.wait_until(lock, next_tick, [&] { return want_item; })) {
        want_item = false;
        ++items;
      } else if (!w.stopping()) {
        ++ticks;
        next_tick = clock.mono() + 10;
      }
    }
  });
  {
    std::lock_guard lock(w.mutex());
    want_item = true;
  }
  w.notify();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(w.mutex());
    return items == 1;
  }));
  clock.advance(10);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(w.mutex());
    return ticks == 1;
  }));
  w.stop();
  EXPECT_FALSE(w.running());
  EXPECT_EQ(items, 1);
  EXPECT_EQ(ticks, 1);  // no real time passes on the manual clock
}

TEST(Worker, SleepForEndsOnStopAndRestarts) {
  ManualClock clock;
  Worker w(clock);
  std::atomic<int> slept{-1};
  w.start([&] { slept = w.sleep_for(3600) ? 1 : 0; });
  w.stop();  // wakes the hour-long sleep at once
  EXPECT_EQ(slept, 0);
  w.start([&] { slept = w.sleep_for(5) ? 1 : 0; });
  // The thread may not have read the clock yet: advance until the sleep has ended.
  ASSERT_TRUE(eventually([&] {
    clock.advance(5);
    return slept == 1;
  }));
  w.stop();
}
