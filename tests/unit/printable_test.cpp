// util/printable: external strings as one line of printable ASCII for the logs.
#include "util/printable.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Printable, PlainTextIsUnchanged) {
  EXPECT_EQ(printable("frigate/walk/detect/set"), "frigate/walk/detect/set");
  EXPECT_EQ(printable(""), "");
  EXPECT_EQ(printable("GET /api/events?limit=10 ~{}|"), "GET /api/events?limit=10 ~{}|");
}

TEST(Printable, LineBreaksTabsQuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(printable("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(printable("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(printable("C:\\x41"), "C:\\\\x41");  // a literal backslash cannot fake an escape
}

TEST(Printable, ControlAndHighBytesAreHex) {
  EXPECT_EQ(printable(std::string("\xff\xfe", 2)), "\\xff\\xfe");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(printable("S\xc3\xbc"
                      "d"),
            "S\\xc3\\xbcd");  // UTF-8 too: the log stays ASCII
}

TEST(Printable, EveryByteGivesOnePrintableLine) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += char(c);
  std::string out = printable(all);
  for (char c : out) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(static_cast<unsigned char>(c));
}

TEST(Printable, TruncatesWithAMarker) {
  EXPECT_EQ(printable("abcdefgh", 3), "abc...(+5 bytes)");
  EXPECT_EQ(printable("abc", 3), "abc");
  EXPECT_EQ(printable("abc", 0), "abc");  // 0: no limit
  EXPECT_EQ(printable("\n\n\n\n", 2), "\\n\\n...(+2 bytes)");
}

}  // namespace
}  // namespace vigil
