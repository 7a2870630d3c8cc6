#!/usr/bin/python3
"""Checks the air profile's world (data/air): each file against its schema, the
references between them, every arrival time against its departure, block time
and the two airports' time zones, the network's shape (every airport reachable,
pairs that need two airlines and pairs that need three), and, given the
generator, that it rebuilds the committed files byte for byte.

usage: check_air_world.py <schemas> <data/air> [tripmesh_airgen]"""
import datetime
import glob
import itertools
import json
import os
import subprocess
import sys
import tempfile
import zoneinfo

import jsonschema


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validate(schemas, doc, where):
    schema = load(os.path.join(schemas, doc.get("type", "?") + ".schema.json"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    return where


def check_references(airports, airline, errors):
    info = airline["info"]
    classes = {f["code"]: f["cabin"] for f in airline["fare_classes"]}
    aircraft = {a["type"]: a for a in airline["aircraft"]}
    for hub in info["hubs"]:
        if hub not in airports:
            errors.append(f"{info['id']}: hub {hub} is not an airport")
    for a in aircraft.values():
        seats = sum((c["last_row"] - c["first_row"] + 1) * len(c["letters"]) for c in a["cabins"])
        if seats != a["seats"]:
            errors.append(f"{a['type']}: {a['seats']} seats, its cabins hold {seats}")
    for f in airline["flights"]:
        where = f"{info['id']} {f['number']}"
        if not f["number"].startswith(info["designator"]):
            errors.append(f"{where}: not numbered with {info['designator']}")
        for end in ("from", "to"):
            if f[end] not in airports:
                errors.append(f"{where}: unknown airport {f[end]}")
        craft = aircraft.get(f["aircraft"])
        if craft is None:
            errors.append(f"{where}: unknown aircraft {f['aircraft']}")
            continue
        cabins = {c["cabin"] for c in craft["cabins"]}
        for fare in f["fares"]:
            if classes.get(fare["class"]) not in cabins:
                errors.append(f"{where}: fare class {fare['class']} has no cabin on {craft['type']}")


def check_times(airports, airline, errors):
    """Departure (origin's local time) + block = arrival (destination's)."""
    monday = datetime.date(2027, 1, 4)
    for f in airline["flights"]:
        frm, to = airports[f["from"]], airports[f["to"]]
        h, m = map(int, f["departs"].split(":"))
        departs = datetime.datetime.combine(monday, datetime.time(h, m),
                                            zoneinfo.ZoneInfo(frm["time_zone"]))
        arrives = (departs + datetime.timedelta(minutes=f["block_minutes"])).astimezone(
            zoneinfo.ZoneInfo(to["time_zone"]))
        want = (arrives.strftime("%H:%M"), (arrives.date() - monday).days)
        if want != (f["arrives"], f["arrives_day_offset"]):
            errors.append(f"{f['number']}: arrives {f['arrives']} +{f['arrives_day_offset']}, "
                          f"should be {want[0]} +{want[1]}")


def fewest_airlines(edges_by_airline, codes):
    """For each pair of airports, the fewest airlines any route between them needs."""
    ids = sorted(edges_by_airline)
    need = {}
    for size in range(1, len(ids) + 1):
        for subset in itertools.combinations(ids, size):
            adj = {c: set() for c in codes}
            for a in subset:
                for x, y in edges_by_airline[a]:
                    adj[x].add(y)
            for start in codes:
                seen, todo = {start}, [start]
                while todo:
                    for nxt in adj[todo.pop()]:
                        if nxt not in seen:
                            seen.add(nxt)
                            todo.append(nxt)
                for end in seen - {start}:
                    need.setdefault((start, end), size)
    return need


def check_shape(airports, airlines, errors):
    edges = {a["info"]["id"]: {(f["from"], f["to"]) for f in a["flights"]} for a in airlines}
    need = fewest_airlines(edges, list(airports))
    pairs = len(airports) * (len(airports) - 1)
    if len(need) != pairs:
        errors.append(f"only {len(need)} of {pairs} airport pairs are connected")
    by_count = {}
    for n in need.values():
        by_count[n] = by_count.get(n, 0) + 1
    for n in (2, 3):
        if by_count.get(n, 0) == 0:
            errors.append(f"no airport pair needs {n} airlines")
    return by_count


def check_rebuilt(generator, data, errors):
    with tempfile.TemporaryDirectory() as out:
        os.makedirs(os.path.join(out, "airlines"))
        subprocess.run([generator, os.path.join(data, "gen"), out], check=True,
                       stderr=subprocess.DEVNULL)
        for path in glob.glob(os.path.join(out, "**", "*.json"), recursive=True):
            committed = os.path.join(data, os.path.relpath(path, out))
            with open(path, "rb") as a, open(committed, "rb") as b:
                if a.read() != b.read():
                    errors.append(f"{committed} differs from what the generator builds "
                                  "(cmake --build build --target airgen)")


def main(schemas, data, generator=None):
    errors = []
    airports_doc = load(os.path.join(data, "airports.json"))
    validate(schemas, airports_doc, "airports.json")
    airports = {a["code"]: a for a in airports_doc["airports"]}
    airlines = []
    for path in sorted(glob.glob(os.path.join(data, "airlines", "*.json"))):
        doc = load(path)
        validate(schemas, doc, path)
        found = []
        check_references(airports, doc, found)
        if not found:  # times need the airports a flight names
            check_times(airports, doc, found)
        errors += found
        airlines.append(doc)
    numbers = [f["number"] for a in airlines for f in a["flights"]]
    if len(numbers) != len(set(numbers)):
        errors.append("a flight number is used twice")
    by_count = check_shape(airports, airlines, errors)
    if generator:
        check_rebuilt(generator, data, errors)
    for e in errors:
        print("air world:", e)
    print(f"air world: {len(airports)} airports, {len(airlines)} airlines, {len(numbers)} "
          f"flights a week's pattern; airport pairs by fewest airlines needed: {by_count}")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
