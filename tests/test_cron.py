"""Cron parsing as uWSGI 2.0.30 does it (core/cron.c), and the key-list port it relies on.

Expected values are uWSGI's, as measured with the real binary (read back through the stats
socket) or read from the source where no non-SSL build can measure (the legion forms).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_uwsgi_lint.cron import TIME_FIELDS, CronTask, parse_cron, scan_five
from pytest_uwsgi_lint.kvlist import parse_kvlist, reads_as_written, split_items, split_quoted
from pytest_uwsgi_lint.loader import load
from pytest_uwsgi_lint.master_process import MasterProcess
from pytest_uwsgi_lint.model import Config
from pytest_uwsgi_lint.reader import Entry, read_ini
from pytest_uwsgi_lint.values import atoi, written_integer


def entry(key: str, value: str) -> Entry:
    (found,) = read_ini(f"[uwsgi]\n{key} = {value}\n".encode()).entries
    return found


def cron(key: str, value: str) -> CronTask:
    return parse_cron(entry(key, value))


def schedule(task: CronTask) -> tuple[int, int, int, int, int]:
    return (task.minute, task.hour, task.day, task.month, task.weekday)


def master(text: str) -> MasterProcess:
    loaded = load(text.encode(), "t.ini")
    return Config(loaded.entries, loaded.files[0], loaded=loaded).master_process


# -- the classic five-integer form ---------------------------------------------------------


def test_cron_reads_five_integers_then_the_command() -> None:
    task = cron("cron", "-5 3 -1 -1 0 /usr/bin/backup --all")
    assert schedule(task) == (-5, 3, -1, -1, 0)
    assert task.command == "/usr/bin/backup --all"
    assert (task.unique, task.legion, task.harakiri, task.fatal) == (False, None, None, None)
    assert task.legacy and task.form == "cron"


def test_cron_range_is_silently_read_as_two_numbers() -> None:
    # measured: "0 9-17 1 1 1 echo range" gives hour 9, day -17, month 1, week 1
    task = cron("cron", "0 9-17 1 1 1 echo range")
    assert schedule(task) == (0, 9, -17, 1, 1)
    assert task.command == "1 echo range"
    assert task.fatal is None
    assert task.written_command == "echo range"
    hour = task.field("hour")
    assert hour is not None and (hour.written, hour.value, hour.as_written) == ("9-17", 9, False)
    day = task.field("day")
    assert day is not None and (day.written, day.value, day.as_written) == ("1", -17, False)


def test_misread_fields_are_those_read_as_another_number() -> None:
    assert [f.name for f in cron("cron", "0 9-17 1 1 1 echo range").misread] == ["hour", "day"]
    assert [f.name for f in cron("cron2", "hour=*/2,minute=0 cmd").misread] == ["hour"]
    assert cron("cron", "+5 -1 007 12 0 cmd").misread == ()


_WORDS = st.lists(st.tuples(
    st.sampled_from([" ", "\t", "  ", " \v", ""]),
    st.from_regex(r"[+-]?[0-9]{1,12}", fullmatch=True) | st.sampled_from(
        ["*", "*/5", "9-17", "1,15", "5x", "-", "+", "2147483648", "-2147483649"]),
), min_size=4, max_size=7)


@given(_WORDS, st.sampled_from(["", " ", " cmd", "\t cmd x ", "cmd"]))
def test_each_field_is_what_sscanf_reads_in_the_place_of_the_word(
    words: list[tuple[str, str]], tail: str
) -> None:
    text = "".join(blank + word for blank, word in words) + tail
    task = parse_cron(Entry("cron", text, "t.ini", 2, 2, 1, text.encode()))
    numbers, offset = scan_five(text)
    if len(numbers) < 5:
        assert task.fatal == "invalid cron syntax"
        return
    written = text.split(maxsplit=5)[:5] + [""] * 5
    assert task.command == text[offset:]
    for name, field, read, word in zip(TIME_FIELDS, task.fields, numbers, written):
        value = atoi(read)
        exact = reads_as_written(word) and written_integer(word) == value
        assert (field.name, field.written, field.value, field.as_written) == (
            name, word, value, exact)
    assert task.misread == tuple(f for f in task.fields if not f.as_written)


def test_a_config_reads_each_written_schedule_once() -> None:
    first, second, third, *cron2 = master(
        "[uwsgi]\ncron = 5 -1 -1 -1 -1 a\nlegion-cron = lg 5 -1 -1 -1 -1 b\n"
        "cron = 6 -1 -1 -1 -1 a\ncron2 = hour=3 a\ncron2 = hour=3 b\n"
    ).cron_tasks
    assert first.fields is second.fields and first.fields is not third.fields
    assert cron2[0].keylist is cron2[1].keylist and cron2[0].fields is cron2[1].fields


def test_cron_with_five_integers_only_has_an_empty_command() -> None:
    task = cron("cron", "1 2 3 4 5")
    assert schedule(task) == (1, 2, 3, 4, 5)
    assert task.command == ""
    assert task.fatal is None


@pytest.mark.parametrize("value", [
    "*/5 * * * * echo hi",
    "* * * * * echo hi",
    "0 0 1,15 * * echo hi",
    "sleep 30",
    "1 2 3 4",
    "",
])
def test_cron_without_five_integers_stops_uwsgi(value: str) -> None:
    assert cron("cron", value).fatal == "invalid cron syntax"


def test_cron_accepts_signs_and_any_blanks_between_fields() -> None:
    task = cron("cron", "+5\t-1  -1 -1 -1 cmd  x")
    assert schedule(task) == (5, -1, -1, -1, -1)
    assert task.command == "cmd  x"


def test_unique_cron_is_unique() -> None:
    task = cron("unique-cron", "0 -1 -1 -1 -1 ./manage.py runjobs hourly")
    assert task.unique
    assert schedule(task) == (0, -1, -1, -1, -1)


@pytest.mark.parametrize(("key", "unique"), [
    ("legion-cron", False),
    ("cron-legion", False),
    ("unique-legion-cron", True),
    ("unique-cron-legion", True),
])
def test_legion_crons_take_the_legion_name_first(key: str, unique: bool) -> None:
    task = cron(key, "cluster -1 3 -1 -1 -1 /usr/bin/backup")
    assert task.legion == "cluster"
    assert task.unique is unique
    assert schedule(task) == (-1, 3, -1, -1, -1)
    assert task.command == "/usr/bin/backup"


def test_legion_cron_without_a_space_stops_uwsgi() -> None:
    task = cron("legion-cron", "cluster")
    assert task.fatal == "invalid legion-cron syntax, must be prefixed with a legion name"


def test_legion_cron_with_a_bad_schedule_stops_uwsgi() -> None:
    assert cron("legion-cron", "cluster * * * * * cmd").fatal == "invalid cron syntax"


# -- cron2 -----------------------------------------------------------------------------------


def test_cron2_defaults_are_every_and_not_unique() -> None:
    task = cron("cron2", "/bin/true")
    assert schedule(task) == (-1, -1, -1, -1, -1)
    assert (task.command, task.unique, task.harakiri, task.legion) == ("/bin/true", False,
                                                                        None, None)
    assert not task.legacy


def test_cron2_keys_before_the_first_space() -> None:
    task = cron("cron2", "day=-5,harakiri=30,unique=1 /Kiwi/etc/cron.jobs/analytics.sh")
    assert task.day == -5 and task.harakiri == 30 and task.unique
    assert task.command == "/Kiwi/etc/cron.jobs/analytics.sh"


def test_cron2_uwsgiconf_rendering() -> None:
    task = cron("cron2", "week=1,month=2,day=3,hour=-3,minute=13-18 cmd")
    assert schedule(task) == (13, -3, 3, 2, 1)


def test_cron2_keys_without_command_stop_uwsgi() -> None:
    # measured: "cron2 = minute=5" exits with "unable to parse cron definition"
    assert cron("cron2", "minute=5").fatal == "unable to parse cron definition: minute=5"


def test_cron2_whole_value_is_command_and_key_list() -> None:
    # measured: "cron2 = echo a,minute=7" gives minute 7
    task = cron("cron2", "echo a,minute=7")
    assert task.minute == 7
    assert task.command == "echo a,minute=7"
    assert [i.text for i in task.keys_in_command] == ["minute=7"]
    assert task.keylist is None


def test_cron2_plain_command_with_equals_later_sets_nothing() -> None:
    task = cron("cron2", "curl http://x/?a=1")
    assert schedule(task) == (-1, -1, -1, -1, -1)
    assert task.keys_in_command == () and task.keylist is None


@pytest.mark.parametrize(("value", "name", "read"), [
    ("minute=13-18 cmd", "minute", 13),
    ("hour=*/2 cmd", "hour", 0),
    ("unique=false cmd", "unique", 0),
    ("minute=* cmd", "minute", 0),
])
def test_cron2_values_go_through_atoi(value: str, name: str, read: int) -> None:
    # measured via the stats socket
    field = cron("cron2", value).field(name)
    assert field is not None and field.value == read and not field.as_written


def test_cron2_unique_false_is_not_unique() -> None:
    assert cron("cron2", "unique=false cmd").unique is False


def test_cron2_blanks_are_not_trimmed() -> None:
    # measured: "minute = 5 ..." is a command (it ran "/bin/sh: minute: not found")
    task = cron("cron2", "minute = 5 echo hi")
    assert task.minute == -1
    assert task.command == "minute = 5 echo hi"


def test_cron2_unknown_keys_and_bare_items_are_ignored() -> None:
    task = cron("cron2", "bogus=1,unique,minute=5,Minute=7 cmd")
    assert task.minute == 5 and not task.unique
    assert task.keylist is not None
    assert [(i.text, i.key) for i in task.keylist.ignored()] == [
        ("bogus=1", "bogus"), ("unique", None), ("Minute=7", "Minute")]


def test_cron2_last_duplicate_wins() -> None:
    task = cron("cron2", "minute=5,minute=7 cmd")
    assert task.minute == 7
    field = task.field("minute")
    assert field is not None and field.written == "7"


def test_cron2_harakiri_zero_is_kept_as_zero() -> None:
    assert cron("cron2", "harakiri=0 cmd").harakiri == 0


def test_cron2_legion_key() -> None:
    assert cron("cron2", "legion=cluster,hour=3 cmd").legion == "cluster"


def test_cron2_empty_value_is_an_empty_command() -> None:
    task = cron("cron2", "")
    assert task.command == "" and task.fatal is None


def test_placeholders_in_the_schedule_are_symbolic() -> None:
    assert cron("cron", "$(MIN) -1 -1 -1 -1 cmd").symbolic
    assert cron("cron2", "minute=$(MIN) cmd").symbolic
    assert not cron("cron", "0 -1 -1 -1 -1 cmd $(ARG)").symbolic
    assert not cron("cron2", "minute=0 cmd $(ARG)").symbolic


# -- the key-list port ------------------------------------------------------------------------


def test_kvlist_backslash_escapes_the_separator() -> None:
    items = split_items(r"cmd=echo a\,b,x=1")
    assert [(i.key, i.value) for i in items] == [("cmd", "echo a,b"), ("x", "1")]


def test_kvlist_double_backslash_keeps_one_and_splits() -> None:
    items = split_items("a=x\\\\,b=y")
    assert [(i.key, i.value) for i in items] == [("a", "x\\"), ("b", "y")]


def test_kvlist_trailing_backslash_and_empty_items() -> None:
    items = split_items("a=1,,b=2,\\")
    assert [i.text for i in items] == ["a=1", "", "b=2"]


def test_kvlist_escaped_equals_is_not_a_key_separator() -> None:
    (item,) = split_items("a\\\\=b")
    assert item.text == "a\\=b" and item.key is None


def test_kvlist_aliases_share_a_slot_and_the_last_wins() -> None:
    found = parse_kvlist("cmd=a,exec=b", {"cmd": "command", "exec": "command"}).found
    assert found["command"].value == "b"


@given(st.text(alphabet="ab=,\\", max_size=30))
def test_kvlist_ignored_items_are_those_uwsgi_drops(text: str) -> None:
    keys = {"a": "a", "b": "b"}
    dropped = (i.text for i in split_items(text)
               if (i.text if i.key is None else i.key not in keys))
    assert [i.text for i in parse_kvlist(text, keys).ignored()] == list(dict.fromkeys(dropped))


def test_split_quoted_like_uwsgi() -> None:
    assert split_quoted("/a;/b") == ("/a", "/b")
    assert split_quoted("a;;b;") == ("a", "", "b")
    assert split_quoted("'x;y';\"z\\\"\"") == ("x;y", 'z"')
    assert split_quoted("") == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("5", True), ("-5", True), ("+5", True), (" 5", True), ("05", True),
    ("5s", False), ("*/5", False), ("", False), ("99999999999", False), ("٣", False),
])
def test_reads_as_written(text: str, expected: bool) -> None:
    assert reads_as_written(text) is expected


@given(st.text())
def test_cron_parsing_never_raises(value: str) -> None:
    for key in ("cron", "unique-cron", "legion-cron", "cron2"):
        task = parse_cron(Entry(key, value, "t.ini", 2, 2, 1, value.encode("utf-8", "replace")))
        assert isinstance(task.command, str)


# -- the master-process view ----------------------------------------------------------------


def test_master_process_lists_every_cron_form_in_order() -> None:
    view = master(
        "[uwsgi]\n"
        "cron2 = minute=1 a\n"
        "cron = 2 -1 -1 -1 -1 b\n"
        "unique-cron = 3 -1 -1 -1 -1 c\n"
        "legion-cron = lg 4 -1 -1 -1 -1 d\n"
        "cron-legion = lg 5 -1 -1 -1 -1 e\n"
    )
    assert [(t.form, t.minute, t.command) for t in view.cron_tasks] == [
        ("cron2", 1, "a"), ("cron", 2, "b"), ("unique-cron", 3, "c"),
        ("legion-cron", 4, "d"), ("cron-legion", 5, "e"),
    ]


def test_master_process_exit_idle_reload_and_exceptions() -> None:
    view = master(
        "[uwsgi]\nidle = 30\ndie-on-idle = true\nreload-mercy = 8\nexit-on-reload = 1\n"
        "die-on-term = true\nexception-handler = log\ncatch-exceptions = true\n"
        "die-on-no-workers = true\n"
    )
    assert (view.idle.timeout, view.idle.exit) == (30, True)
    assert (view.reload.mercy, view.reload.exit) == (8, True)
    assert view.exit_events.sig_term and view.exit_events.idle and view.exit_events.reload
    assert not view.exit_events.no_workers  # die-on-no-workers does not exist in 2.0.30
    assert view.exception_handling.handlers == ("log",)
    assert view.exception_handling.catch and not view.exception_handling.no_write_exception
