"""The addresses an instance listens on, typed the way uWSGI 2.0.30 binds them.

Facts from core/socket.c and core/uwsgi.c in 2.0.30, checked against the binary:

* A worker socket's value loses its leading blanks (``generate_socket_name``); a value with a
  ``:`` is TCP and the port follows the **last** colon (``strrchr``), so ``/run/a:b`` is a TCP
  address. Anything else is a UNIX path, abstract when it starts with ``@`` or ``\\0`` or when
  ``abstract-socket`` is on.
* An empty host (``:3031``), ``0`` and ``0.0.0.0`` bind every IPv4 interface; ``[::]`` and
  any bracketed host that is not an IPv6 literal (``[localhost]``) bind every IPv6 one, since
  the name goes through an IPv4-only resolver and the address stays all zeros. Other hosts
  are resolved at start-up (``localhost`` is loopback).
* ``=N`` uses the N-th ``shared-socket``; ``fd://N`` an inherited descriptor.
* SSL listeners (``https-socket``, ``ssl-socket``, the ``https`` and ``sslrouter`` routers)
  take ``address,cert,key[,...]``; ``https2`` and ``sslrouter2`` a key list with ``addr=``.

Nothing here resolves a name or touches the network: a host name is reported as a name.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache

from pytest_uwsgi_lint.kvlist import parse_kvlist
from pytest_uwsgi_lint.model import Config, canonical_name, per_config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.values import atoi, has_expansion, uwsgi_mode_t

# Where an address can be reached from.
ANY = "any"  # every interface of the host (or container)
LOOPBACK = "loopback"
REMOTE = "remote"  # one specific address that is not loopback
NAMED = "named"  # a host name, resolved when uWSGI starts
LOCAL = "local"  # a UNIX or abstract socket: reachable from this machine only
UNKNOWN = "unknown"

_C_SPACE = " \t\n\v\f\r"
#: An unexpanded ``$(...)``, ``@(...)`` or ``%(...)``, up to its closing parenthesis.
_EXPANSION = re.compile(r"[$@%]\([^)]*\)?")
_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")

#: Worker sockets by canonical option name, with the protocol each one speaks (``None``:
#: the default protocol, ``uwsgi`` unless ``protocol`` says otherwise).
WORKER_SOCKETS: dict[str, str | None] = {
    "socket": None,
    "uwsgi-socket": "uwsgi",
    "puwsgi-socket": "puwsgi",
    "ssl-socket": "suwsgi",
    "http-socket": "http",
    "http11-socket": "http11",
    "https-socket": "https",
    "fastcgi-socket": "fastcgi",
    "fastcgi-nph-socket": "fastcgi-nph",
    "scgi-socket": "scgi",
    "scgi-nph-socket": "scgi-nph",
    "raw-socket": "raw",
}
SHARED_SOCKETS = ("shared-socket", "undeferred-shared-socket")
#: Routers (gateways) by canonical option name, with the protocol their clients speak.
ROUTERS: dict[str, str] = {
    "http": "http",
    "https": "https",
    "https2": "https",
    "http-to-https": "http",
    "fastrouter": "uwsgi",
    "rawrouter": "raw",
    "sslrouter": "ssl",
    "sslrouter2": "ssl",
    "forkpty-router": "pty",
}
#: Stats servers by canonical option name (the router ones are aliased to ``*-ss``).
STATS_SERVERS = ("stats", "emperor-stats", "http-ss", "fastrouter-ss", "rawrouter-ss",
                 "sslrouter-ss", "forkptyrouter-ss", "tuntap-router-stats")
#: Every option :func:`listeners` reads: without one of them a config listens nowhere.
LISTENING = (*WORKER_SOCKETS, *SHARED_SOCKETS, *ROUTERS, *STATS_SERVERS)
#: Options whose value is ``address,cert,key[,...]``.
_WITH_CERT = frozenset({"ssl-socket", "https-socket", "https", "sslrouter"})
#: Options whose value is a key list holding ``addr=``.
_KEYLIST = frozenset({"https2", "sslrouter2"})
#: Protocols whose request variables come from the client verbatim, ``UWSGI_FILE`` included
#: (core/protocol.c ``uwsgi_proto_check_10`` and the FastCGI/SCGI parsers in proto/).
TRUSTING_PROTOCOLS = frozenset({"uwsgi", "puwsgi", "suwsgi", "fastcgi", "fastcgi-nph", "scgi",
                                "scgi-nph"})


@dataclass(frozen=True)
class Address:
    """One address as written, with what uWSGI makes of it.

    ``family`` is ``unix``, ``abstract``, ``tcp``, ``tcp6``, ``shared`` (``=N``), ``fd``
    (``fd://N``) or ``unknown``; ``exact`` is False when an unexpanded ``$()``/``@()``/``%()``
    leaves part of the text unknown (the family and host may still be known from the rest).
    """

    text: str
    family: str
    scope: str = UNKNOWN
    host: str = ""
    port: str = ""
    exact: bool = True

    @property
    def is_path(self) -> bool:
        """A UNIX socket that exists as a file (abstract sockets do not)."""
        return self.family == "unix"

    @property
    def is_unix(self) -> bool:
        return self.family in ("unix", "abstract")

    @property
    def exposed(self) -> bool:
        """Reachable from other machines, or possibly so (a name resolves at start-up)."""
        return self.scope in (ANY, REMOTE, NAMED)

    def where(self) -> str:
        """Where the address listens, in words, for messages."""
        port = f" (port {self.port})" if self.port else ""
        if self.scope == ANY:
            version = "IPv6 " if self.family == "tcp6" else ""
            return f"every {version}network interface{port}"
        if self.scope == NAMED:
            return f"whatever `{self.host}` resolves to at start-up{port}"
        if self.scope == REMOTE and "*" in self.host:
            return f"the first local address matching `{self.host}`{port}"
        if self.scope == REMOTE:
            return f"the non-loopback address {self.host}{port}"
        return f"`{self.text}`"


@dataclass(frozen=True)
class Listener:
    """One listening option: a worker socket, a shared socket, a router or a stats server.

    ``protocol`` is what clients speak to it (``""`` when the default protocol is unknown);
    ``shared`` is the ``shared-socket`` a ``=N`` reference binds through.
    """

    entry: Entry
    option: str
    role: str
    protocol: str
    address: Address
    shared: Listener | None = None

    @property
    def bound(self) -> Address:
        """The address actually bound: the shared socket's for a ``=N`` reference."""
        return self.shared.address if self.shared is not None else self.address

    def quoted(self) -> str:
        """The option as written, plus the shared socket it resolves to."""
        text = f"`{self.entry.key} = {self.entry.value}`"
        if self.shared is not None:
            text += f" (shared socket `{self.shared.entry.value}`)"
        return text


@lru_cache(maxsize=4096)  # the same few addresses recur across a project's configs
def parse_address(text: str, abstract_mode: bool = False) -> Address:
    """Type one listening address as ``uwsgi_new_socket``/``bind_to_*`` would.

    With an unexpanded ``$()``/``@()``/``%()`` the written characters still decide a lot: a
    colon outside the expansions makes it TCP whatever they hold, and a host written in
    full keeps its scope.
    """
    text = text.lstrip(_C_SPACE)
    masked = _EXPANSION.sub(lambda m: "\0" * len(m.group()), text)
    exact = masked == text
    if masked.startswith("="):
        return Address(text, "shared", port=text[1:], exact=exact)
    if masked.startswith("fd://"):
        return Address(text, "fd", exact=exact)
    colon = masked.rfind(":")
    if colon >= 0:
        host = text[:colon]
        scope = _host_scope(host) if masked[:colon] == host else UNKNOWN
        return Address(text, "tcp6" if _bracketed(host) else "tcp", scope, host,
                       text[colon + 1:], exact)
    if not exact and "/" not in masked and not masked.startswith("@"):
        return Address(text, "unknown", exact=False)
    abstract = abstract_mode or masked.startswith(("@", "\\0"))
    return Address(text, "abstract" if abstract else "unix", LOCAL, exact=exact)


def _bracketed(host: str) -> bool:
    return host.startswith("[") and host.endswith("]")


def _host_scope(host: str) -> str:
    """Where a TCP host part binds (``socket_to_in_addr``/``socket_to_in_addr6``)."""
    if _bracketed(host):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return ANY  # the address is left all zeros: in6addr_any
        mapped = address.ipv4_mapped
        return _ip_scope(mapped if mapped is not None else address)
    if host == "":
        return ANY
    if "*" in host:  # "192.168.*": the first local address with that prefix
        prefix = host[: host.index("*")]
        return UNKNOWN if not prefix else LOOPBACK if prefix.startswith("127.") else REMOTE
    try:
        return _ip_scope(ipaddress.IPv4Address(socket.inet_aton(host)))
    except (OSError, ValueError):
        pass
    if host.lower() == "localhost":
        return LOOPBACK
    return NAMED if _HOSTNAME.match(host) else UNKNOWN


def _ip_scope(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_unspecified:
        return ANY
    return LOOPBACK if address.is_loopback else REMOTE


def _address_text(name: str, value: str) -> str:
    """The address part of an option's value."""
    if name in _WITH_CERT:
        return value.split(",", 1)[0]
    if name in _KEYLIST:
        found = parse_kvlist(value, {"addr": "addr"}).found.get("addr")
        return "" if found is None else found.value
    if name == "http-to-https":
        return value.split(",", 1)[0]
    return value


@per_config
def default_protocol(config: Config) -> str:
    """What ``socket`` speaks: ``protocol``/``socket-protocol`` when set for certain, else
    ``uwsgi``; ``""`` when a conditional or unexpanded value leaves it unknown."""
    chosen = config.last("protocol")
    if chosen is None:
        return "uwsgi"
    if chosen.condition or has_expansion(chosen.value) or any(
        entry.condition for entry in config.all("protocol")
    ):
        return ""
    return chosen.value


@per_config
def listeners(config: Config) -> list[Listener]:
    """Every listening option of the instance, in the order uWSGI applies them."""
    abstract_mode = config.flag("abstract-socket")
    protocol = default_protocol(config)
    shared: list[Listener] = []
    found: list[Listener] = []
    for entry in config.entries:
        name = canonical_name(entry.key)
        if name in WORKER_SOCKETS:
            role, speaks = "socket", WORKER_SOCKETS[name] or protocol
        elif name in SHARED_SOCKETS:
            role, speaks = "shared", ""
        elif name in ROUTERS:
            role, speaks = "router", ROUTERS[name]
        elif name in STATS_SERVERS:
            role, speaks = "stats", "stats"
        else:
            continue
        address = parse_address(_address_text(name, entry.value), abstract_mode)
        via = None
        if address.family == "shared" and address.exact:
            index = atoi(address.port)
            via = shared[index] if 0 <= index < len(shared) else None
        listener = Listener(entry, name, role, speaks, address, via)
        if role == "shared":
            shared.append(listener)
        found.append(listener)
    return found


@per_config
def unix_paths(config: Config) -> list[Listener]:
    """Listeners bound on a UNIX or abstract name by this instance (not ``=N`` references)."""
    return [item for item in listeners(config) if item.address.is_unix]


def chmod_value_valid(text: str) -> bool:
    """What ``uwsgi_opt_chmod_socket`` accepts: ``1`` or exactly three octal digits."""
    return text == "1" or (len(text) == 3 and all("0" <= c <= "7" for c in text))


@dataclass(frozen=True)
class SocketMode:
    """The permission bits UNIX sockets get, and the entry that decides them.

    ``how`` says why: ``chmod`` (a three-digit ``chmod-socket``), ``chmod-666`` (``1``, or
    only zeros, which uWSGI takes for "no mode given"), ``umask`` (an ``umask`` option, no
    ``chmod-socket``) or ``daemonize`` (``daemonize`` resets the umask to 0).
    """

    mode: int
    entry: Entry
    how: str


def socket_mode(config: Config, vassal: bool = False) -> SocketMode | None:
    """The mode of the UNIX sockets this instance creates, when the config decides it.

    ``chmod-socket`` values accumulate as ``value << 9 | digits`` in a C ``int`` and the
    kernel keeps the low 12 bits; zero means 666 (core/uwsgi.c ``uwsgi_opt_chmod_socket``,
    core/socket.c ``bind_to_unix``). Without it a socket is created ``0777 & ~umask``; the
    ``umask`` option reads three characters as digits (fewer than three: an error, and
    ``umask(0)``), and ``daemonize`` sets ``umask(0)`` unless ``umask`` was given
    (core/utils.c ``daemonize``); under an Emperor (``vassal``) it only redirects the log.
    None when nothing here decides, or when a value is unknown or makes uWSGI exit.
    """
    chmods = config.all("chmod-socket")
    if chmods:
        value = 0
        for entry in chmods:
            if has_expansion(entry.value) or not chmod_value_valid(entry.value):
                return None
            if entry.value != "1":
                value = ((value << 9) | int(entry.value, 8)) & 0xFFFFFFFF
        deciding = next((e for e in reversed(chmods) if e.value != "1"), chmods[-1])
        if value == 0:
            return SocketMode(0o666, deciding, "chmod-666")
        return SocketMode(value & 0o7777, deciding, "chmod")
    umask = config.last("umask")
    if umask is not None:
        if has_expansion(umask.value):
            return None
        return SocketMode(0o777 & ~uwsgi_mode_t(umask.value), umask, "umask")
    daemonize = config.last("daemonize")
    if daemonize is not None and not vassal:
        return SocketMode(0o777, daemonize, "daemonize")
    return None


__all__ = [
    "ANY",
    "LISTENING",
    "LOCAL",
    "LOOPBACK",
    "NAMED",
    "REMOTE",
    "ROUTERS",
    "SHARED_SOCKETS",
    "STATS_SERVERS",
    "TRUSTING_PROTOCOLS",
    "UNKNOWN",
    "WORKER_SOCKETS",
    "Address",
    "Listener",
    "SocketMode",
    "chmod_value_valid",
    "default_protocol",
    "listeners",
    "parse_address",
    "socket_mode",
    "unix_paths",
]
