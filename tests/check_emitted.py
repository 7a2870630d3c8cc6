#!/usr/bin/python3
"""Validates every message recorded during the integration tests against its
schema: schemas/<type>.schema.json, where <type> is the payload's "type"."""
import glob
import json
import os
import sys

import jsonschema


def not_a_message(topic, payload):
    """Payloads on the tree that are not messages of the contract."""
    # Tests inject malformed requests and admin ops on purpose; agents never emit them.
    if "/requests/" in topic or "/admin/" in topic:
        return True
    # A removed station's retained messages are cleared: an empty payload, and
    # nothing else, may go there.
    if payload == "" and "/stations/" in topic:
        return True
    # An agent's message to itself, after its subscriptions (topics/README.md).
    if topic.endswith("/replies/caught-up"):
        return True
    # The brokers say whether a bridge is connected: "1" or "0" (topics/README.md).
    return "/bridges/" in topic and payload in ("0", "1")


def main(schema_dir, emitted_dir):
    validators = {}
    for path in glob.glob(os.path.join(schema_dir, "*.schema.json")):
        name = os.path.basename(path)[: -len(".schema.json")]
        with open(path) as f:
            validators[name] = jsonschema.Draft202012Validator(json.load(f))
    checked, failures, by_type = 0, [], {}
    for path in sorted(glob.glob(os.path.join(emitted_dir, "*.jsonl"))):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                topic, _, payload = line.rstrip("\n").partition("\t")
                where = f"{os.path.basename(path)}:{n} {topic}"
                try:
                    msg = json.loads(payload)
                except ValueError:
                    msg = None
                if not isinstance(msg, dict) or msg.get("type") not in validators:
                    if not not_a_message(topic, payload):
                        kind = "not JSON" if msg is None else "no schema for its type"
                        failures.append(f"{where}: {kind}")
                    continue
                errors = list(validators[msg["type"]].iter_errors(msg))
                if errors and "/requests/" in topic and msg["type"].endswith(".request"):
                    continue  # a deliberately bad request from a test
                for e in errors[:3]:
                    failures.append(f"{where}: {msg['type']}: {e.message} at {list(e.path)}")
                checked += 1
                by_type[msg["type"]] = by_type.get(msg["type"], 0) + 1
    for f in failures[:50]:
        print(f)
    print("checked", checked, "messages:", ", ".join(f"{t} {c}" for t, c in sorted(by_type.items())))
    if checked == 0:
        print("no recorded messages: the integration tests did not run")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
