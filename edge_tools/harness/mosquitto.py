"""A real Mosquitto for tests: its own CA, server and client certificates, TLS with
``require_certificate``, ``use_identity_as_username`` and per-client ACL entries, on a free port of
127.0.0.1. Reusable: ``from edge_tools.harness.mosquitto import Pki, Broker``, or the fixtures in tests/conftest.py.

When mosquitto is not installed the tests skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HOST = "127.0.0.1"


def mosquitto_binary() -> str:
    """Path of mosquitto, or fail (CI=true) / skip (elsewhere) saying how to install it."""
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    reason = "mosquitto is not installed (apt-get install -y mosquitto); the MQTT sharing tests need a real broker"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " - CI=true, so this is a failure, not a skip")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# -- certificates --------------------------------------------------------------------------------


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass(frozen=True)
class Identity:
    cert: Path
    key: Path


class Ca:
    def __init__(self, folder: Path, name: str) -> None:
        self.key = _key()
        now = dt.datetime.now(dt.UTC)
        self.name = _name(name)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.path = folder / f"{name}.pem"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.folder = folder

    def issue(self, cn: str, *, server: bool = False) -> Identity:
        key = _key()
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        else:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        stem = self.folder / cn
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key_path, key)
        return Identity(cert_path, key_path)


@dataclass
class Pki:
    """A CA with a server certificate for 127.0.0.1/localhost and client certificates by common name, and a
    second, untrusted CA ("rogue") for certificates the broker must refuse."""

    folder: Path
    ca: Ca = field(init=False)
    rogue: Ca = field(init=False)
    server: Identity = field(init=False)
    clients: dict[str, Identity] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "rogue").mkdir(exist_ok=True)
        self.ca = Ca(self.folder, "test-ca")
        self.rogue = Ca(self.folder / "rogue", "rogue-ca")
        self.server = self.ca.issue("broker", server=True)

    def client(self, cn: str) -> Identity:
        if cn not in self.clients:
            self.clients[cn] = self.ca.issue(cn)
        return self.clients[cn]

    def rogue_client(self, cn: str) -> Identity:
        return self.rogue.issue(cn)


# -- broker ------------------------------------------------------------------------------------------

Acl = Mapping[str, Iterable[tuple[str, str]]]  # client CN -> [(read|write|readwrite, topic pattern)]


class Broker:
    """mosquitto -c <generated conf> on a free port; stop()/start() keep the port and the persistence file."""

    def __init__(self, pki: Pki, folder: Path, acl: Acl, passwords: Mapping[str, str] | None = None) -> None:
        """With `passwords` (username -> password) clients log in with a username and password over
        TLS (no client certificate asked for, anonymous refused); the ACL is then by username."""
        self.binary = mosquitto_binary()
        self.pki = pki
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host = HOST
        self.url = f"mqtts://{HOST}:{self.port}"
        self.log = folder / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None
        acl_path = folder / "acl"
        lines: list[str] = []
        for cn, rules in acl.items():
            lines.append(f"user {cn}")
            lines += [f"topic {access} {topic}" for access, topic in rules]
            lines.append("")
        acl_path.write_text("\n".join(lines))
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            "\n".join(
                [
                    f"user {pwd.getpwuid(os.getuid()).pw_name}",
                    "per_listener_settings false",
                    "persistence true",
                    f"persistence_location {folder}/",
                    f"log_dest file {self.log}",
                    "log_type all",
                    "connection_messages true",
                    f"acl_file {acl_path}",
                    f"listener {self.port} {HOST}",
                    f"cafile {pki.ca.path}",
                    f"certfile {pki.server.cert}",
                    f"keyfile {pki.server.key}",
                    *(
                        ["require_certificate false", "allow_anonymous false", f"password_file {folder / 'passwd'}"]
                        if passwords is not None
                        else ["require_certificate true", "use_identity_as_username true"]
                    ),
                    "tls_version tlsv1.2",
                    "",
                ]
            )
        )
        if passwords is not None:
            passwd = folder / "passwd"
            passwd.write_text("")
            tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
            for user, password in passwords.items():
                subprocess.run([tool, "-b", str(passwd), user, password], check=True, capture_output=True)

    def start(self, timeout: float = 15.0) -> None:
        assert self.proc is None
        self.proc = subprocess.Popen(
            [self.binary, "-c", str(self.conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                log = self.log.read_text() if self.log.exists() else ""
                self.proc = None
                raise RuntimeError(f"mosquitto exited at start:\n{out}\n{log}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not listen on {HOST}:{self.port}")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


# -- a peer's subscriber -------------------------------------------------------------------------------


def tls_context(ca: Path, identity: Identity | None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(ca))
    if identity is not None:
        ctx.load_cert_chain(str(identity.cert), str(identity.key))
    return ctx


class Subscriber:
    """A peer: connects with its certificate (persistent session), subscribes, collects messages."""

    def __init__(
        self,
        broker: Broker,
        cn: str,
        topics: list[str],
        identity: Identity | None = None,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.topics = topics
        self.messages: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.refused: list[str] = []
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"sub-{cn}-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv5,
        )
        if login is not None:  # username and password over TLS, no client certificate
            self.client.tls_set_context(tls_context(broker.pki.ca.path, None))
            self.client.username_pw_set(*login)
        else:
            self.client.tls_set_context(tls_context(broker.pki.ca.path, identity or broker.pki.client(cn)))
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = lambda *_a: self.connected.clear()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        self.client.connect_async(broker.host, broker.port, keepalive=5, clean_start=False, properties=props)
        self.client.loop_start()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self.refused.append(str(reason))
            return
        self.connected.set()
        if self.topics:
            client.subscribe([(t, 1) for t in self.topics])

    def _on_subscribe(self, _c: Any, _u: Any, _mid: Any, reasons: Any, _p: Any) -> None:
        self.subscribed.set()

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((msg.topic, bytes(msg.payload)))

    def wait_ready(self, timeout: float = 10.0) -> None:
        assert self.subscribed.wait(timeout), f"subscriber could not subscribe (refused: {self.refused})"

    def payloads(self) -> list[tuple[str, bytes]]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.payloads()):
                return True
            time.sleep(0.05)
        return bool(predicate(self.payloads()))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def try_connect(broker: Broker, identity: Identity | None, *, ca: Path | None = None, timeout: float = 5.0) -> str:
    """Connect once with an identity: 'connected', or what went wrong (never raises)."""
    result: dict[str, str] = {}
    done = threading.Event()
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="probe", protocol=mqtt.MQTTv5)
    client.tls_set_context(tls_context(ca or broker.pki.ca.path, identity))

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        result["r"] = "refused" if reason.is_failure else "connected"
        done.set()

    def on_disconnect(*_a: Any) -> None:
        result.setdefault("r", "disconnected")
        done.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    try:
        client.connect(broker.host, broker.port, keepalive=5)
    except (OSError, ssl.SSLError) as exc:
        return f"error: {type(exc).__name__}"
    client.loop_start()
    done.wait(timeout)
    client.disconnect()
    client.loop_stop()
    return result.get("r", "no answer")
