// api/maker_slots.h: at most `max` makers at once, the rest refused, places come back.
#include "api/maker_slots.h"

#include <gtest/gtest.h>

#include <memory>

namespace vigil {
namespace {

TEST(MakerSlots, BeyondTheMaximumIsRefusedAndPlacesComeBack) {
  MakerSlots slots(2);
  auto a = std::make_unique<MakerSlots::Slot>(slots);
  MakerSlots::Slot b(slots);
  EXPECT_TRUE(a->held());
  EXPECT_TRUE(b.held());
  {
    MakerSlots::Slot c(slots);
    EXPECT_FALSE(c.held());
    EXPECT_EQ(slots.in_use(), 2);
  }
  EXPECT_EQ(slots.in_use(), 2);  // the refused one took nothing
  a.reset();
  EXPECT_EQ(slots.in_use(), 1);
  MakerSlots::Slot d(slots);
  EXPECT_TRUE(d.held());
}

}  // namespace
}  // namespace vigil
