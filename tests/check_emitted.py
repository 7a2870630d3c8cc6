#!/usr/bin/python3
"""Validates every message recorded during the integration tests against its
schema: schemas/<type>.schema.json, where <type> is the payload's "type"."""
import glob
import json
import os
import sys

import jsonschema


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
                    # Tests inject malformed requests on purpose; agents never emit them.
                    if "/requests/" in topic or "/admin/" in topic:
                        continue
                    # A removed station's retained messages are cleared: an
                    # empty payload, and nothing else, may go there.
                    if payload == "" and "/stations/" in topic:
                        continue
                    failures.append(f"{where}: not JSON")
                    continue
                if not isinstance(msg, dict) or "type" not in msg:
                    if "/requests/" in topic or "/admin/" in topic:
                        continue
                    # A removed station's retained messages are cleared: an
                    # empty payload, and nothing else, may go there.
                    if payload == "" and "/stations/" in topic:
                        continue
                    failures.append(f"{where}: no type")
                    continue
                validator = validators.get(msg["type"])
                if validator is None:
                    if "/requests/" in topic or "/admin/" in topic:
                        continue
                    # A removed station's retained messages are cleared: an
                    # empty payload, and nothing else, may go there.
                    if payload == "" and "/stations/" in topic:
                        continue
                    failures.append(f"{where}: no schema for type {msg['type']}")
                    continue
                errors = list(validator.iter_errors(msg))
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
