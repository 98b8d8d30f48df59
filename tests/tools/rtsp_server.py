#!/usr/bin/python3
"""A real RTSP server for the integration tests: serves an MP4 (or MPEG-TS) file's H.264 video at
rtsp://127.0.0.1:<port>/<path> in real time, looping, like an IP camera.

FFmpeg cannot serve RTSP (its RTSP muxer only pushes to a server), so the tests use
GStreamer's RTSP server (Debian packages python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-good).

usage: rtsp_server.py FILE PORT [PATH]
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    path, port = sys.argv[1], sys.argv[2]
    mount = "/" + (sys.argv[3] if len(sys.argv) > 3 else "x")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    # One pass of the file per session (vtest is 80 s; no test needs more). An MPEG-TS
    # file (H.264 whose parameters may change mid-stream) is parsed into access units.
    demux = "tsdemux ! h264parse" if path.endswith(".ts") else "qtdemux"
    factory.set_launch(f'( filesrc location="{path}" ! {demux} ! rtph264pay name=pay0 pt=96 config-interval=1 )')
    factory.set_shared(True)
    server.get_mount_points().add_factory(mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {port}", file=sys.stderr)
        sys.exit(1)
    print(f"serving rtsp://127.0.0.1:{port}{mount}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
