#!/usr/bin/env python3
"""A proxy in front of a modterm sandbox that makes one topic's first post 5 MB of HTML.

Discourse (and the sandbox) refuse posts over 32,000 characters, so a post this big only comes
from an import or a hostile server; this gives modterm one, for measuring what it keeps.

    modterm sandbox serve --addr 127.0.0.1:4391 --db /tmp/huge/s.db --api-key K &
    python3 benches/huge_post/proxy.py 4391 4392 305 &
    /usr/bin/time -v modterm thread 305 --url http://127.0.0.1:4392 --username mod_anna --api-key K
"""
import http.server
import json
import sys
import urllib.error
import urllib.request

UPSTREAM_PORT, PORT, TOPIC = (int(a) for a in sys.argv[1:4])
UPSTREAM = f"http://127.0.0.1:{UPSTREAM_PORT}"
PARAGRAPH = "A long line of router troubleshooting text, repeated. " * 20
BIG = f"<p>{PARAGRAPH}</p>\n" * 4700  # about 5 MB
PASSED_HEADERS = ("api-key", "api-username", "user-api-key", "content-type", "accept")


class Proxy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.forward(None)

    def do_POST(self):
        self.forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def do_PUT(self):
        self.forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def forward(self, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_HEADERS}
        request = urllib.request.Request(
            UPSTREAM + self.path, data=body, headers=headers, method=self.command
        )
        try:
            answer = urllib.request.urlopen(request)
        except urllib.error.HTTPError as e:
            answer = e
        status = answer.status if hasattr(answer, "status") else answer.code
        data = answer.read()
        kind = answer.headers.get("Content-Type", "application/json")
        if self.path.startswith(f"/t/{TOPIC}") and status == 200 and "json" in kind:
            topic = json.loads(data)
            for post in topic.get("post_stream", {}).get("posts", []):
                if post.get("post_number") == 1:
                    post["cooked"] = BIG
            data = json.dumps(topic).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Proxy).serve_forever()
