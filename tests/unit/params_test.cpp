#include "api/params.h"

#include <gtest/gtest.h>

namespace vigil {

TEST(Params, IntegersAreOptionalMinusAndDigits) {
  long long v;
  EXPECT_TRUE(parse_int("277", &v));
  EXPECT_EQ(v, 277);
  EXPECT_TRUE(parse_int("-1", &v));
  EXPECT_EQ(v, -1);
  for (const char* bad : {"", "-", "abc", "1.5", "+3", " 1", "1e3", "99999999999999999999"})
    EXPECT_FALSE(parse_int(bad, &v)) << bad;
}

TEST(Params, NumbersAreDecimalAndFinite) {
  double v;
  EXPECT_TRUE(parse_number("12.5", &v));
  EXPECT_DOUBLE_EQ(v, 12.5);
  EXPECT_TRUE(parse_number("1e3", &v));
  EXPECT_DOUBLE_EQ(v, 1000);
  EXPECT_TRUE(parse_number("-3", &v));
  for (const char* bad : {"", "nan", "inf", "-inf", "0x10", "1e999", "abc", "1.5x"})
    EXPECT_FALSE(parse_number(bad, &v)) << bad;
}

}  // namespace vigil
