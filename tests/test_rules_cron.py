"""The cron rules (UWM030-UWM034), each with the near misses it must stay quiet on."""

from __future__ import annotations

import pytest
from rule_helpers import ini, lint, only

from pytest_uwsgi_lint.findings import Severity

# -- cron-syntax ------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "bad"), [
    ("cron = */5 * * * * /usr/bin/cleanup", "*/5"),
    ("cron = 0 0 1,15 -1 -1 /usr/bin/cleanup", "1,15"),
    ("unique-cron = 0 3 * * * /usr/bin/cleanup", "*"),
    ("cron = sleep 30", "sleep"),
])
def test_crontab_patterns_stop_uwsgi(line: str, bad: str) -> None:
    finding = only("cron-syntax", ini(line))
    assert (finding.code, finding.line, finding.severity) == ("UWM030", 2, Severity.ERROR)
    assert finding.message.startswith("uWSGI exits at start-up with \"invalid cron syntax\"")
    assert f"`{bad}` is not one" in finding.message


def test_too_few_fields() -> None:
    finding = only("cron-syntax", ini("cron = 1 2 3 4"))
    assert "has only 4 integers" in finding.message


def test_cron2_keys_without_command_stop_uwsgi() -> None:
    finding = only("cron-syntax", ini("cron2 = minute=5,hour=3"))
    assert "\"unable to parse cron definition: minute=5,hour=3\"" in finding.message
    assert finding.fix == "add the command after a space: `cron2 = minute=5,hour=3 <command>`"


def test_legion_cron_without_a_legion_stops_ssl_builds() -> None:
    finding = only("cron-syntax", ini("legion-cron = backup.sh"))
    assert "invalid legion-cron syntax, must be prefixed with a legion name" in finding.message
    assert "builds with SSL" in finding.message


@pytest.mark.parametrize("line", ["cron = 1 2 3 4 5", "cron2 ="])
def test_empty_command_is_a_warning(line: str) -> None:
    finding = only("cron-syntax", ini(line))
    assert finding.severity is Severity.WARNING
    assert "has no command" in finding.message


def test_cron2_value_without_space_but_with_keys_stops_uwsgi() -> None:
    finding = only("cron-syntax", ini("cron2 = /usr/bin/backup.sh,hour=3"))
    assert finding.severity is Severity.ERROR


def test_cron2_keys_inside_the_command() -> None:
    finding = only("cron-syntax", ini("cron2 = /usr/bin/backup.sh --all,hour=3"))
    assert finding.severity is Severity.WARNING
    assert "`hour=3` sets the schedule and is passed to the shell" in finding.message
    assert finding.fix == "put the keys first: `cron2 = hour=3 <command>`"


@pytest.mark.parametrize("text", [
    ini("cron = -5 -1 -1 -1 -1 /usr/bin/cleanup"),
    ini("unique-cron = 15 0 -1 -1 -1 { touch /run/uwsgi-logrotate  }"),
    ini("cron2 = minute=-5 curl -L http://x/a?b=c"),
    ini("cron2 = /bin/true"),
    ini("cron = $(SCHEDULE) /usr/bin/cleanup"),
    ini("cron2 = $(CRON_KEYS)"),
    ini("legion-cron = cluster -1 3 -1 -1 -1 /usr/bin/backup"),
])
def test_cron_syntax_near_misses(text: str) -> None:
    assert lint("cron-syntax", text) == []


# -- cron-field-not-integer -------------------------------------------------------------------


def test_cron2_step_reads_as_zero() -> None:
    finding = only("cron-field-not-integer", ini("cron2 = hour=*/2,minute=0 /usr/bin/report"))
    assert (finding.code, finding.severity) == ("UWM031", Severity.ERROR)
    assert finding.message == "`hour=*/2`: uWSGI reads it with atoi as 0 (midnight only)"
    assert finding.fix == "write `hour=-2` for every 2"


def test_cron2_range_reads_as_its_start() -> None:
    finding = only("cron-field-not-integer", ini("cron2 = minute=13-18 /usr/bin/report"))
    assert "`minute=13-18`: uWSGI reads it with atoi as 13 (only minute 13)" in finding.message


def test_cron2_star_reads_as_zero() -> None:
    finding = only("cron-field-not-integer", ini("cron2 = week=* /usr/bin/report"))
    assert finding.fix == "write `week=-1` for every week"


def test_unique_true_is_not_unique() -> None:
    finding = only("cron-field-not-integer", ini("cron2 = unique=true /usr/bin/report"))
    assert finding.severity is Severity.ERROR
    assert "so the task is not unique" in finding.message
    assert finding.fix == "write `unique=1`"


def test_unique_false_works_by_accident() -> None:
    finding = only("cron-field-not-integer", ini("cron2 = unique=false /usr/bin/report"))
    assert finding.severity is Severity.WARNING
    assert "works by accident" in finding.message


def test_legacy_range_is_misparsed() -> None:
    finding = only("cron-field-not-integer", ini("cron = 0 9-17 1 1 1 echo range"))
    assert finding.message == (
        "`9-17` is not an integer: uWSGI scans five integers one after another, so it reads "
        "minute 0, hour 9, day -17, month 1, week 1 and runs the command `1 echo range`")


def test_legacy_number_out_of_range_is_not_called_a_non_integer() -> None:
    finding = only("cron-field-not-integer",
                   ini("cron = 0 99999999999999999999 -1 -1 -1 /usr/bin/report"))
    assert finding.message.startswith(
        "`99999999999999999999` is beyond the range of an integer: uWSGI scans five integers")


def test_legacy_range_in_the_last_field_moves_into_the_command() -> None:
    finding = only("cron-field-not-integer", ini("cron = 0 9 -1 -1 1-5 /usr/bin/report"))
    assert "`1-5` is not an integer" in finding.message
    assert "week 1 and runs the command `-5 /usr/bin/report`" in finding.message


@pytest.mark.parametrize("text", [
    ini("cron2 = hour=-2,minute=0,unique=1,harakiri=30 /usr/bin/report"),
    ini("cron2 = minute=05 /usr/bin/report"),
    ini("cron = +0 09 -1 -1 -1 /usr/bin/report 1-5"),
    ini("cron2 = minute=%(every) /usr/bin/report"),
    ini("cron = */5 * * * * /usr/bin/report"),  # cron-syntax reports this one
])
def test_not_integer_near_misses(text: str) -> None:
    assert lint("cron-field-not-integer", text) == []


# -- cron-field-out-of-range ------------------------------------------------------------------


def test_minute_out_of_range_never_runs() -> None:
    # from the corpus: "cron = 120 -1 -1 -1 -1 python manage.py ..."
    finding = only("cron-field-out-of-range", ini("cron = 120 -1 -1 -1 -1 /usr/bin/sync"))
    assert (finding.code, finding.severity) == ("UWM032", Severity.ERROR)
    assert finding.message == ("minute 120 is outside 0-59, so this cron never runs (uWSGI does "
                               "not check ranges)")


def test_large_step_runs_at_zero_only() -> None:
    finding = only("cron-field-out-of-range", ini("cron2 = minute=-1440 curl http://x/"))
    assert finding.severity is Severity.WARNING
    assert "runs once an hour, at minute 0" in finding.message


@pytest.mark.parametrize(("line", "expected"), [
    ("cron2 = hour=24 x", "hour 24 is outside 0-23"),
    ("cron2 = month=13 x", "month 13 is outside 1-12"),
    ("cron2 = month=0 x", "month 0 is outside 1-12"),
    ("cron2 = day=0 x", "day 0 is outside 1-31"),
    ("cron2 = week=8 x", "week 8 is outside 0-7"),
    ("cron2 = month=-13 x", "month -13 matches a month that is a multiple of 13, and none is"),
    ("cron2 = day=31,month=2 x", "month 2 never has a day 31"),
    ("cron2 = day=-5,week=9 x", "week 9 is outside 0-7"),
])
def test_never_runs(line: str, expected: str) -> None:
    finding = only("cron-field-out-of-range", ini(line))
    assert finding.severity is Severity.ERROR
    assert expected in finding.message and "never runs" in finding.message


def test_day_out_of_range_with_a_weekday_runs_on_that_weekday() -> None:
    finding = only("cron-field-out-of-range", ini("cron2 = day=32,week=1 x"))
    assert finding.severity is Severity.WARNING
    assert "runs only on weekday 1 (day and week are ORed)" in finding.message


@pytest.mark.parametrize("text", [
    ini("cron = 59 23 31 12 7 x"),
    ini("cron = 0 0 1 1 0 x"),
    ini("cron2 = minute=-59,hour=-23,day=-31,month=-12,week=-6 x"),
    ini("cron2 = day=29,month=2 x"),
    ini("cron2 = day=30,month=4 x"),
    ini("cron = 0 9-17 1 1 1 echo range"),  # cron-field-not-integer explains it
    ini("cron2 = hour=*/30 x"),
    ini("cron2 = hour=$(H) x"),
])
def test_out_of_range_near_misses(text: str) -> None:
    assert lint("cron-field-out-of-range", text) == []


# -- cron-unknown-key -------------------------------------------------------------------------


def test_uwsgiconf_weekday_name() -> None:
    finding = only("cron-unknown-key", ini("cron2 = minute=0,hour=3,weekday=1 /usr/bin/backup"))
    assert (finding.code, finding.severity) == ("UWM033", Severity.WARNING)
    assert finding.message == ("`weekday=1`: `weekday` is not a cron2 key (did you mean "
                               "`week`?); uWSGI ignores it, so week stays at every week")
    assert finding.fix == "write `week=1`"


def test_case_matters() -> None:
    finding = only("cron-unknown-key", ini("cron2 = Minute=5 x"))
    assert "did you mean `minute`?" in finding.message


def test_bare_unique_is_dropped() -> None:
    finding = only("cron-unknown-key", ini("cron2 = unique,minute=5 x"))
    assert finding.message == "`unique` has no `=`: uWSGI drops the item, so unique is not set"
    assert finding.fix == "write `unique=1`"


def test_unknown_key_without_suggestion() -> None:
    finding = only("cron-unknown-key", ini("cron2 = bogus=1 x"))
    assert finding.message == "`bogus=1`: `bogus` is not a cron2 key; uWSGI ignores it"
    assert finding.fix is None


@pytest.mark.parametrize("text", [
    ini("cron2 = minute=0,hour=3,day=1,month=1,week=1,unique=1,harakiri=9,legion=l x"),
    ini("cron2 = echo a=b,c=d"),  # no key list: just a command
    ini("cron2 = minute=0,$(MORE) x"),
    ini("cron = 0 3 -1 -1 -1 weekday=1"),
])
def test_unknown_key_near_misses(text: str) -> None:
    assert lint("cron-unknown-key", text) == []


# -- legion-not-defined (crons) ---------------------------------------------------------------


def test_legion_cron_for_an_undefined_legion() -> None:
    finding = only("legion-not-defined", ini(
        "legion = cluster 10.0.0.1:4242 100 bf-cbc:secret",
        "legion-cron = clustr -1 3 -1 -1 -1 /usr/bin/backup",
    ))
    assert (finding.code, finding.severity) == ("UWM034", Severity.WARNING)
    assert finding.message == ("`legion-cron` runs only on the lord of legion `clustr`, which "
                               "no `legion` option defines (defined: cluster), so the cron "
                               "never runs")


def test_cron2_legion_without_any_legion() -> None:
    finding = only("legion-not-defined", ini("cron2 = legion=cluster,hour=3 x"))
    assert "legion `cluster`" in finding.message and "(defined" not in finding.message


@pytest.mark.parametrize("text", [
    ini("legion = cluster 10.0.0.1:4242 100 bf-cbc:secret", "cron2 = legion=cluster x"),
    ini("legion = cluster 10.0.0.1:4242 100 bf-cbc:secret",
        "unique-cron-legion = cluster 0 3 -1 -1 -1 x"),
    ini("include = /nonexistent/legions.ini", "legion-cron = cluster 0 3 -1 -1 -1 x"),
    ini("cron2 = legion=$(LEGION) x"),
    ini("legion-cron = cluster"),  # cron-syntax reports this one
])
def test_legion_cron_near_misses(text: str) -> None:
    assert lint("legion-not-defined", text) == []


def test_cron2_item_without_a_key() -> None:
    finding = only("cron-unknown-key", ini("cron2 = =5,minute=1 x"))
    assert finding.message == "`=5` has no key before `=`: uWSGI ignores it"
