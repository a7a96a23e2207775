"""deploy/brokers/mosquitto.conf and mosquitto.acl, run as written (paths and ports swapped for the
test's): a device publishes only under its own node id, the agency reads it, Home Assistant logs in with
a user name and password over TLS, and an anonymous client is refused."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

from edge_tools.harness.mosquitto import HOST, Pki, Subscriber, free_port, mosquitto_binary, try_connect

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "deploy" / "brokers"


def start(pki: Pki, folder: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    certs, passwd = free_port(), free_port()
    acl = folder / "edge-alpr.acl"
    acl.write_text((EXAMPLES / "mosquitto.acl").read_text())
    pw = folder / "edge-alpr.passwd"
    pw.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(pw), "homeassistant", "ha secret"], check=True)
    conf = (EXAMPLES / "mosquitto.conf").read_text()
    for old, new in (
        ("/etc/mosquitto/certs/ca.pem", str(pki.ca.path)),
        ("/etc/mosquitto/certs/broker.crt", str(pki.server.cert)),
        ("/etc/mosquitto/certs/broker.key", str(pki.server.key)),
        ("/etc/mosquitto/edge-alpr.acl", str(acl)),
        ("/etc/mosquitto/edge-alpr.passwd", str(pw)),
        ("listener 8883", f"listener {certs} {HOST}"),
        ("listener 8884", f"listener {passwd} {HOST}"),
    ):
        assert old in conf, old
        conf = conf.replace(old, new)
    path = folder / "mosquitto.conf"
    path.write_text(f"user {pwd.getpwuid(os.getuid()).pw_name}\n{conf}")
    proc = subprocess.Popen([mosquitto_binary(), "-c", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    for port in (certs, passwd):
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else "mosquitto exited"
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the example broker did not listen"
                time.sleep(0.05)
    return proc, certs, passwd


def test_the_example_broker_config_and_acl(pki: Pki, tmp_path: Path) -> None:
    for cn in ("springfield-elm-st", "springfield-pd"):
        pki.client(cn)
    proc, certs, passwd = start(pki, tmp_path)
    with_certs = SimpleNamespace(pki=pki, host=HOST, port=certs)
    with_password = SimpleNamespace(pki=pki, host=HOST, port=passwd)
    try:
        agency = Subscriber(with_certs, "springfield-pd", ["peers/springfield/#"])  # type: ignore[arg-type]
        ha = Subscriber(with_password, "ha", ["homeassistant/#"], login=("homeassistant", "ha secret"))  # type: ignore[arg-type]
        agency.wait_ready()
        ha.wait_ready()
        device = Subscriber(with_certs, "springfield-elm-st", [])  # type: ignore[arg-type]
        assert device.connected.wait(10)
        for topic in (
            "peers/springfield/reads/other-node",  # not its node id: the ACL drops it
            "peers/springfield/reads/springfield-elm-st",
        ):
            device.client.publish(topic, b"{}", qos=1).wait_for_publish(10)
        device.client.publish("homeassistant/sensor/x/config", b"{}", qos=1, retain=True).wait_for_publish(10)
        assert agency.wait_for(lambda m: len(m) >= 1)
        assert ha.wait_for(lambda m: len(m) >= 1)
        time.sleep(0.5)
        assert [t for t, _ in agency.payloads()] == ["peers/springfield/reads/springfield-elm-st"]
        assert [t for t, _ in ha.payloads()] == ["homeassistant/sensor/x/config"]
        anonymous = try_connect(with_password, None)  # type: ignore[arg-type]
        assert anonymous != "connected"
        for c in (agency, ha, device):
            c.close()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
