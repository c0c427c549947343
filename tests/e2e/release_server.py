"""A release download server for the install tests, on 127.0.0.1 only.

    release_server.py ROOT PORT_FILE LOG_FILE

Serves the files under ROOT at http://127.0.0.1:<port>/ (the port, chosen by the system, is
written to PORT_FILE once it listens). A path under /flaky/ is served from ROOT too, but the first
request for each such path gets 503 Service Unavailable, so a client must retry. Every request is
logged to LOG_FILE as `METHOD PATH STATUS`. The server stops by itself after 10 minutes.
"""

import http.server
import os
import sys
import threading

ROOT, PORT_FILE, LOG_FILE = sys.argv[1:4]
LIFETIME_S = 600
seen_flaky = set()
lock = threading.Lock()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=ROOT, **kwargs)

    def do_GET(self):
        if self.path.startswith("/flaky/"):
            with lock:
                first = self.path not in seen_flaky
                seen_flaky.add(self.path)
            if first:
                self.send_error(503, "Service Unavailable (the first try of a flaky path)")
                return
            self.path = self.path[len("/flaky") :]
        super().do_GET()

    def log_request(self, code="-", size="-"):
        with lock, open(LOG_FILE, "a", encoding="utf-8") as log:
            log.write(f"{self.command} {self.requestline.split(' ')[1]} {code}\n")

    def log_message(self, format, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
threading.Timer(LIFETIME_S, server.shutdown).start()
server.serve_forever()
