#!/bin/sh
# Makes an MPEG-TS stream whose codec changes mid-stream, as a camera does when its
# encoder is switched from H.264 to H.265 and back without a new session: 12 s of
# H.264, 12 s of HEVC, 12 s of H.264, concatenated byte for byte on the same PID (the
# demuxer keeps calling it H.264: the HEVC part is garbage to every H.264 consumer).
#
# usage: changing_codec.sh SOURCE.mp4 OUT.ts
set -eu
src=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ffmpeg -nostdin -v error -y -t 12 -i "$src" -an -c:v libx264 -preset ultrafast -g 20 \
  -muxdelay 0 -muxpreload 0 "$tmp/0.ts"
ffmpeg -nostdin -v error -y -ss 12 -t 12 -i "$src" -an -c:v libx265 -preset ultrafast \
  -x265-params keyint=20:log-level=error -muxdelay 0 -muxpreload 0 "$tmp/1.ts"
ffmpeg -nostdin -v error -y -ss 24 -t 12 -i "$src" -an -c:v libx264 -preset ultrafast -g 20 \
  -muxdelay 0 -muxpreload 0 "$tmp/2.ts"
cat "$tmp/0.ts" "$tmp/1.ts" "$tmp/2.ts" >"$out"
