'''tls-v1-enabled: an option that turns TLS 1.0 or SSLv3 back on for every TLS listener.'''

from __future__ import annotations

from collections.abc import Iterable

from pytest_uwsgi_lint.findings import Hit, Severity
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.registry import rule
from pytest_uwsgi_lint.sockets import listeners
from pytest_uwsgi_lint.values import uwsgi_true

#: The flags, by canonical name, and the protocol each stops uWSGI from disabling.
_DOWNGRADES = {"ssl-enable-tlsv1": "TLS 1.0", "ssl-enable-sslv3": "SSLv3"}
_TLS = frozenset({"https", "suwsgi", "ssl"})


@rule("UWS006", "tls-v1-enabled", Severity.WARNING, tags=("security",),
      security_severity=5.9, needs=tuple(_DOWNGRADES))
def check(config: Config) -> Iterable[Hit]:
    """
    ## What it does
    Flags `ssl-enable-tlsv1` and `ssl-enable-sslv3` (`ssl-enable3`) when set to a true
    value.

    ## Why is this bad?
    uWSGI creates every TLS context (`https-socket`, `ssl-socket`, the `https` and
    `sslrouter` routers) with `SSL_OP_NO_SSLv3` and `SSL_OP_NO_TLSv1` unless one of these
    options is on; both are documented as insecure, and TLS 1.0 has been off by default
    since 2.0.17.1. Turning them on lets clients negotiate SSLv3 (POODLE) or TLS 1.0
    (BEAST, SHA-1 handshakes) wherever the OpenSSL build and its security level still allow
    it, and PCI DSS and current browsers no longer accept TLS 1.0.

    `ssl-option` is not flagged: its numbers are ORed into the context options, so it can
    only switch more protocols off. Cipher lists (`https = addr,cert,key,CIPHERS`) choose
    ciphers, not protocol versions.

    ## Deployment
    The same in every deployment.

    ## Example
    ```ini
    [uwsgi]
    https-socket = :8443,/etc/app/cert.pem,/etc/app/key.pem
    ssl-enable-tlsv1 = true
    ```

    ## Use instead
    ```ini
    [uwsgi]
    https-socket = :8443,/etc/app/cert.pem,/etc/app/key.pem
    ```

    ## References
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/ssl.c#L224-L236
    - https://github.com/unbit/uwsgi/blob/2.0.30/core/ssl.c#L427-L432
    - https://uwsgi-docs.readthedocs.io/en/latest/Changelog-2.0.17.1.html
    - https://datatracker.ietf.org/doc/html/rfc8996
    """
    tls = [item for item in listeners(config) if item.protocol in _TLS]
    served = (f"the TLS listener {tls[0].quoted()}" if len(tls) == 1
              else f"{len(tls)} TLS listeners" if tls else "every TLS listener of the instance")
    for name, protocol in _DOWNGRADES.items():
        entry = config.last(name)
        if entry is None or not uwsgi_true(entry.value):
            continue
        yield Hit.at(
            entry,
            f"`{entry.key}{' = ' + entry.value if entry.value else ''}` stops uWSGI from "
            f"disabling {protocol}, so {served} accepts {protocol} handshakes wherever "
            "OpenSSL still allows them",
            fix="remove it; clients that only speak it need upgrading, not the server "
            "downgrading",
        )
