// The pure parts of the media proxy routes (api/media_range.h): Range against a known
// size, Unix times in a recording clip's URL, the allowed clip ranges.
#include "api/media_range.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(MediaRange, NoOrForeignHeaderIsTheWholeBody) {
  EXPECT_EQ(answer_range("", 1000).kind, ByteRangeAnswer::kWhole);
  EXPECT_EQ(answer_range("items=0-5", 1000).kind, ByteRangeAnswer::kWhole);
  EXPECT_EQ(answer_range("bytes=0-1,5-9", 1000).kind, ByteRangeAnswer::kWhole);  // several: whole (RFC 7233)
  EXPECT_EQ(answer_range("bytes=abc", 1000).kind, ByteRangeAnswer::kWhole);
  EXPECT_EQ(answer_range("bytes=9-5", 1000).kind, ByteRangeAnswer::kWhole);  // invalid: ignored
  EXPECT_EQ(answer_range("bytes=-", 1000).kind, ByteRangeAnswer::kWhole);
  EXPECT_EQ(answer_range("bytes=+1-5", 1000).kind, ByteRangeAnswer::kWhole);
}

TEST(MediaRange, ClosedOpenAndSuffixRanges) {
  ByteRangeAnswer r = answer_range("bytes=100-199", 1000);
  ASSERT_EQ(r.kind, ByteRangeAnswer::kPartial);
  EXPECT_EQ(r.first, 100u);
  EXPECT_EQ(r.last, 199u);
  EXPECT_EQ(content_range(r, 1000), "bytes 100-199/1000");
  r = answer_range("bytes=900-", 1000);
  EXPECT_EQ(r.kind, ByteRangeAnswer::kPartial);
  EXPECT_EQ(content_range(r, 1000), "bytes 900-999/1000");
  r = answer_range("bytes=990-5000", 1000);  // the end is cut to the size
  EXPECT_EQ(content_range(r, 1000), "bytes 990-999/1000");
  r = answer_range("bytes=-10", 1000);
  EXPECT_EQ(content_range(r, 1000), "bytes 990-999/1000");
  r = answer_range("bytes=-5000", 1000);  // more than the body: all of it
  EXPECT_EQ(content_range(r, 1000), "bytes 0-999/1000");
}

TEST(MediaRange, UnsatisfiableRanges) {
  ByteRangeAnswer r = answer_range("bytes=1000-", 1000);
  EXPECT_EQ(r.kind, ByteRangeAnswer::kUnsatisfiable);
  EXPECT_EQ(content_range(r, 1000), "bytes */1000");
  EXPECT_EQ(answer_range("bytes=5000-6000", 1000).kind, ByteRangeAnswer::kUnsatisfiable);
  EXPECT_EQ(answer_range("bytes=-0", 1000).kind, ByteRangeAnswer::kUnsatisfiable);
  EXPECT_EQ(answer_range("bytes=0-", 0).kind, ByteRangeAnswer::kUnsatisfiable);
}

TEST(MediaRange, UnixTimesAreDigitsWithAnOptionalFraction) {
  EXPECT_EQ(parse_unix_time("1700000000"), 1700000000.0);
  EXPECT_EQ(parse_unix_time("1700000000.25"), 1700000000.25);
  EXPECT_EQ(parse_unix_time("1700000000."), 1700000000.0);  // Python's str() never, but harmless
  EXPECT_EQ(parse_unix_time("0"), 0.0);
  for (const char* bad : {"", ".5", "-5", "+5", "1e9", "inf", "nan", "12a", " 12", "1.2.3", "0x10", "1.5e3"})
    EXPECT_FALSE(parse_unix_time(bad)) << bad;
}

TEST(MediaRange, ClipRangesMustBeForwardAndAtMostTheCap) {
  EXPECT_EQ(clip_range_error(100, 200), "");
  EXPECT_NE(clip_range_error(200, 100), "");
  EXPECT_NE(clip_range_error(100, 100), "");
  EXPECT_EQ(clip_range_error(0, kMaxRecordingClipSeconds), "");
  EXPECT_NE(clip_range_error(0, kMaxRecordingClipSeconds + 1), "");
}

}  // namespace
}  // namespace vigil
