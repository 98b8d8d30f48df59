#!/bin/sh
# Makes an MPEG-TS H.264 stream that changes size twice, as a camera does when it is
# reconfigured: 768x576, then 320x240, then 1280x720, each part encoded on its own
# (new SPS/PPS) with its timestamps restarting at 0, concatenated byte for byte.
#
# usage: changing_stream.sh SOURCE.mp4 OUT.ts [SECONDS_PER_PART]
set -eu
src=$1 out=$2 part=${3:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for size in 768x576 320x240 1280x720; do
  ffmpeg -nostdin -v error -y -ss $((i * part)) -t "$part" -i "$src" -an -c:v libx264 -preset ultrafast \
    -g 20 -s "$size" -muxdelay 0 -muxpreload 0 "$tmp/$i.ts"
  i=$((i + 1))
done
cat "$tmp/0.ts" "$tmp/1.ts" "$tmp/2.ts" >"$out"
