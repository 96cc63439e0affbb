#!/usr/bin/env python3
"""Posts N `clients(first: 50)` requests on one keep-alive connection, each for a partner
picked from a token file with a fixed seed, so every run asks for the same pages.

    bench/pages.py HOST:PORT TOKENS_FILE N
"""
import http.client
import json
import random
import sys

addr, tokens_file, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = addr.rsplit(":", 1)
tokens = open(tokens_file).read().split()
random.seed(7)
body = json.dumps({"query": "{ clients(first: 50) { totalCount pageInfo { hasNextPage endCursor } "
                   "edges { cursor node { id companyId name email status invitedVia invitedAt "
                   "lastInviteSentAt trialEndsAt availableActions } } } }"})
conn = http.client.HTTPConnection(host, int(port))
bad = 0
for _ in range(n):
    conn.request("POST", "/graphql", body, {"Content-Type": "application/json",
                                            "Authorization": "Bearer " + random.choice(tokens)})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200 or b'"errors"' in data:
        bad += 1
if bad:
    sys.exit(f"{bad} of {n} pages failed")
