#!/usr/bin/python3
"""A monitor on a broker's websockets-over-TLS listener, as a browser would
connect: subscribes to a topic filter and prints each message it hears as
"topic<TAB>payload" until one matches --until (a topic and payload substring)
or --seconds pass.

Exit codes: 0 the awaited message arrived, 1 it did not, 2 the broker refused
the connection (the reason on stderr)."""
import argparse
import ssl
import sys
import threading

import paho.mqtt.client as mqtt


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--host", default="127.0.0.1")
    a.add_argument("--cafile", help="the CA to trust; without it the system's")
    a.add_argument("--plain", action="store_true", help="websockets without TLS")
    a.add_argument("--username", default="")
    a.add_argument("--password", default="")
    a.add_argument("--topic", help="the filter to subscribe to; without it the awaited topic")
    a.add_argument("--until", nargs=2, metavar=("TOPIC", "PAYLOAD_PART"), required=True)
    a.add_argument("--seconds", type=float, default=10)
    args = a.parse_args()

    done, refused = threading.Event(), []
    client = mqtt.Client(transport="websockets", protocol=mqtt.MQTTv311)
    if not args.plain:
        client.tls_set(ca_certs=args.cafile, cert_reqs=ssl.CERT_REQUIRED)
    if args.username:
        client.username_pw_set(args.username, args.password)

    def on_connect(c, _userdata, _flags, rc):
        if rc != 0:
            refused.append(mqtt.connack_string(rc))
            done.set()
            return
        c.subscribe(args.topic or args.until[0], qos=1)

    def on_message(_c, _userdata, m):
        payload = m.payload.decode("utf-8", "replace")
        print(f"{m.topic}\t{payload}", flush=True)
        if m.topic == args.until[0] and args.until[1] in payload:
            done.set()

    client.on_connect, client.on_message = on_connect, on_message
    try:
        client.connect(args.host, args.port, keepalive=10)
    except Exception as e:  # TLS, websocket upgrade or socket: each a refusal
        print(f"refused: {e}", file=sys.stderr)
        return 2
    client.loop_start()
    arrived = done.wait(args.seconds)
    client.loop_stop()
    if refused:
        print(f"refused: {refused[0]}", file=sys.stderr)
        return 2
    if not arrived:
        print("refused: no answer" if not client.is_connected() else "not heard", file=sys.stderr)
        return 2 if not client.is_connected() else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
