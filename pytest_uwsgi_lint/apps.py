"""What an instance serves: the options that load application code, and the instances that
load none on purpose (an Emperor).

Facts from uWSGI 2.0.30: the Python plugin loads one app per loader option
(``plugins/python/python_plugin.c``, ``uwsgi_python_init_apps``); ``mount`` hands a
mountpoint to the first plugin that accepts it (``core/uwsgi.c``, ``uwsgi_init_all_apps``).
Only Python, Perl (psgi), Ruby (rack), Mono and a few storage plugins register their apps in
the table ``need-app`` counts (``uwsgi_add_app``); PHP, CGI, Lua and the JVM serve requests
without registering one.
"""

from __future__ import annotations

from functools import cache

from pytest_uwsgi_lint import catalog
from pytest_uwsgi_lint.model import Config, canonical_name, per_config
from pytest_uwsgi_lint.reader import Entry
from pytest_uwsgi_lint.target import plugin_matches

#: Python plugin options that each load a WSGI (or web3, pump, wsgi-lite) application.
PYTHON_LOADERS = ("module", "wsgi-file", "eval", "pecan", "paste", "ini-paste",
                  "ini-paste-logged", "web3", "pump", "wsgi-lite")
#: Other options whose app enters uWSGI's app table.
REGISTERING_LOADERS = ("mount", "psgi", "rack", "rails", "mono-app")
#: Plugins that serve requests with code of their own: any of their options means the
#: instance runs an application, registered or not.
LANGUAGE_PLUGINS = frozenset({
    "cgi", "gccgo", "glusterfs", "gridfs", "jvm", "jwsgi", "lua", "mono", "php", "psgi",
    "pypy", "rack", "rados", "ring", "symcall", "v8", "webdav", "xslt",
})


def _entries(config: Config, names: tuple[str, ...]) -> list[Entry]:
    """The entries of any of ``names`` (aliases included), looked up from the options the
    config sets, which are fewer than the loader names."""
    wanted = _canonical(names)
    return [entry for name in config.names() if name in wanted for entry in config.all(name)]


@cache
def _canonical(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(map(canonical_name, names))


def in_file_order(config: Config, entries: list[Entry]) -> list[Entry]:
    """``entries`` without repeats, in the order uWSGI applies them."""
    wanted = {id(entry) for entry in entries}
    return [entry for entry in config.entries if id(entry) in wanted]


@per_config
def language_entries(config: Config) -> list[Entry]:
    """Options of a non-Python request plugin (``php-docroot``, ``cgi``, ``psgi``...)."""
    return [entry for entry, option in config.known() if option.plugin in LANGUAGE_PLUGINS]


@per_config
def other_language(config: Config) -> bool:
    """Whether a non-Python request plugin is loaded (``plugins = php``) or configured."""
    loaded = config.plugins
    named = any(plugin_matches(item, plugin) for item in loaded for plugin in LANGUAGE_PLUGINS)
    return named or bool(language_entries(config))


@per_config
def python_loaders(config: Config) -> list[Entry]:
    """Options that load a Python application, with ``mount`` when no other language plugin
    is around to take the mountpoint."""
    found = _entries(config, PYTHON_LOADERS)
    if not other_language(config):
        found += config.all("mount")
    return in_file_order(config, found)


@per_config
def registering_loaders(config: Config) -> list[Entry]:
    """Options whose application counts for ``need-app`` (``uwsgi_apps_cnt``)."""
    return in_file_order(config, _entries(config, (*PYTHON_LOADERS, *REGISTERING_LOADERS)))


@per_config
def app_entries(config: Config) -> list[Entry]:
    """Every option that makes this instance run application code, in file order."""
    return in_file_order(config, [*registering_loaders(config), *language_entries(config)])


def first_certain(entries: list[Entry]) -> Entry:
    """The first entry outside any undecided logic block, else the first one."""
    return next((entry for entry in entries if not entry.condition), entries[0])


def describe_app(entry: Entry) -> str:
    """How a message names the application an entry loads: the loader line itself, or the
    plugin for options that only configure one (``php-docroot``, ``cgi``...)."""
    name = canonical_name(entry.key)
    if name in {canonical_name(n) for n in (*PYTHON_LOADERS, *REGISTERING_LOADERS)}:
        return f"`{entry.key} = {entry.value}`"
    option = catalog.lookup(entry.key)
    return f"the {option.plugin} application" if option is not None else f"`{entry.key}`"


def is_emperor(config: Config) -> bool:
    """An Emperor config: it supervises vassals and loads no app of its own."""
    return "emperor" in config


__all__ = [
    "LANGUAGE_PLUGINS",
    "PYTHON_LOADERS",
    "REGISTERING_LOADERS",
    "app_entries",
    "describe_app",
    "first_certain",
    "in_file_order",
    "is_emperor",
    "language_entries",
    "other_language",
    "python_loaders",
    "registering_loaders",
]
