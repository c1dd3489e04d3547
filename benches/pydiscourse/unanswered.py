#!/usr/bin/env python3
"""The Python side of benches/pydiscourse/compare.sh: the listing `modterm queue --json` prints
for the default (unanswered) view, fetched with pydiscourse. Not needed by `cargo test`.

It asks what modterm asks (src/backend/discourse/mod.rs, `list_params`; src/cli.rs,
`collect_topics`): GET /latest.json with max_posts=1, order=created, ascending=true,
status=open, then page=1, 2, ... while the answer has a more_topics_url and the page brought a
new topic; it keeps a topic if it is open, not archived and has at most one post, once.
It prints one JSON array of the topics as Discourse sent them.

Usage: unanswered.py URL USERNAME [--limit N]   (the API key from MODTERM_API_KEY)
"""
import json
import os
import sys

from pydiscourse import DiscourseClient


def main():
    args = sys.argv[1:]
    limit = None
    if "--limit" in args:
        i = args.index("--limit")
        limit = int(args[i + 1])
        del args[i : i + 2]
    url, username = args
    client = DiscourseClient(url.rstrip("/"), api_username=username, api_key=os.environ["MODTERM_API_KEY"])
    params = {"max_posts": "1", "order": "created", "ascending": "true", "status": "open"}
    topics, seen, page = [], set(), 0
    while page < 10_000:
        answer = client._get("/latest.json", **params, **({"page": str(page)} if page else {}))
        listing = answer["topic_list"]
        before = len(topics)
        for t in listing["topics"]:
            keep = t.get("posts_count", 0) <= 1 and not t.get("closed") and not t.get("archived")
            if keep and t["id"] not in seen:
                seen.add(t["id"])
                topics.append(t)
        if not listing.get("more_topics_url") or len(topics) == before or (limit and len(topics) >= limit):
            break
        page += 1
    json.dump(topics[:limit] if limit else topics, sys.stdout)
    print()


if __name__ == "__main__":
    main()
