"""Smokes Fixer's pytest plugin: records pytest's own report objects as JSON lines.

Loaded with ``-p smokes_fixer_pytest`` (its folder on PYTHONPATH). When ``SMOKES_FIXER_REPORT`` names a
file, every test report that is not a plain pass, every failed collection, the collected items, the
deselected count and the session's end are appended to it, one JSON object per line, flushed at once so a
killed run leaves whole lines. A passing phase is left out: JUnit XML records it, and the collected items
give its location; at thousands of tests its three records a test were most of the plugin's cost.

The records carry what JUnit XML cannot: node ids, the exception type and ``reprcrash`` (the deepest
frame), which stay the same under every ``--tb`` style. The plugin only observes: every hook swallows
its own errors and none changes a report or an outcome. Without the variable it does nothing.

Record types (field ``type``): ``session-start``, ``collected``, ``deselected``, ``collect-error``,
``collect-ok``, ``test``, ``conftest-error``, ``session-finish``.
"""

import json
import os
import sys

import pytest

_ENV = "SMOKES_FIXER_REPORT"
_MAX_TEXT = 20000
_MAX_REPR = 2000

_stream = None
_rootdir = None
# Operands of the last failing comparison (pytest_assertrepr_compare), keyed by nodeid.
_current_item = None
_compare = {}


def _open():
    global _stream
    if _stream is None:
        path = os.environ.get(_ENV)
        if not path:
            return None
        try:
            _stream = open(path, "a", encoding="utf-8")
        except OSError:
            _stream = False
    return _stream or None


def _emit(record):
    try:
        stream = _open()
        if stream is None:
            return
        stream.write(json.dumps(record, default=str) + "\n")
        stream.flush()
    except Exception:
        pass


def _rel(path):
    """A path relative to the rootdir with '/' separators; absolute (with '/') when outside it."""
    if path is None:
        return None
    path = str(path)
    try:
        if _rootdir is not None and os.path.isabs(path):
            rel = os.path.relpath(path, _rootdir)
            if not rel.startswith(".."):
                path = rel
    except ValueError:
        pass
    return path.replace(os.sep, "/")


def _crash(longrepr):
    """pytest's reprcrash (path, lineno, message) when the report has one."""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is None:
        return None
    return {"path": _rel(crash.path), "lineno": crash.lineno, "message": crash.message}


def _text(longrepr):
    if longrepr is None:
        return None
    try:
        text = str(longrepr)
    except Exception:
        return None
    return text[-_MAX_TEXT:]


def _root_cause(excinfo):
    """The exception worth naming: a CollectError raised `from` an ImportError names the ImportError."""
    exc = excinfo.value
    if isinstance(exc, pytest.Collector.CollectError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def _exc_details(excinfo):
    """Type name, and the deepest frame of the root cause (used when a report has no reprcrash)."""
    exc = _root_cause(excinfo)
    details = {"excType": type(exc).__name__}
    try:
        if isinstance(exc, SyntaxError) and exc.filename:
            details["excPath"] = _rel(exc.filename)
            details["excLine"] = exc.lineno
        else:
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                details["excPath"] = _rel(tb.tb_frame.f_code.co_filename)
                details["excLine"] = tb.tb_lineno
        message = str(exc)
        details["excMessage"] = message.splitlines()[0] if message else ""
    except Exception:
        pass
    try:
        frame = _project_frame(exc.__traceback__)
        if frame is not None:
            details["projPath"], details["projLine"] = frame
    except Exception:
        pass
    return details


def _in_project(path):
    """Inside the rootdir and not an installed package (a virtual environment may live in the project)."""
    rel = _rel(path)
    if rel is None or os.path.isabs(rel) or rel.startswith("../"):
        return False
    return "/site-packages/" not in "/" + rel and "/dist-packages/" not in "/" + rel


def _project_frame(tb):
    """The deepest frame in the project's own files: where the project called into the standard library
    or an installed package when the exception was raised there."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _in_project(filename):
            found = (_rel(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def pytest_configure(config):
    global _rootdir, _stream
    if hasattr(config, "workerinput"):
        # pytest-xdist worker: the controller receives and logs every report once.
        _stream = False
        return
    try:
        _rootdir = str(config.rootpath)
    except Exception:
        pass
    _emit({"type": "session-start", "rootdir": _rel_root(), "pid": os.getpid(), "pytest": pytest.__version__})


def _rel_root():
    return None if _rootdir is None else _rootdir.replace(os.sep, "/")


# Old-style hook wrappers (`hookwrapper=True`) work with every pluggy that pytest 6 to 9 ship with.


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # A conftest that fails to import ends pytest with exit 4 before any session: record its cause.
    outcome = yield
    try:
        error = outcome.excinfo[1] if outcome.excinfo else None
        if error is not None:
            _record_conftest_error(early_config, error)
    except Exception:
        pass


def _record_conftest_error(config, error):
    global _rootdir
    if _rootdir is None:
        try:
            _rootdir = str(config.rootpath)
        except Exception:
            pass
    path = getattr(error, "path", None)
    cause = getattr(error, "cause", None) or error.__cause__ or error

    class _Info:
        value = cause

    record = {"type": "conftest-error", "nodeid": _rel(path) if path else None, "rootdir": _rel_root()}
    record.update(_exc_details(_Info))
    _emit(record)


def pytest_collection_finish(session):
    try:
        items = []
        for item in session.items:
            file, line, _ = item.location
            items.append({"nodeid": item.nodeid, "file": _rel(file), "line": None if line is None else line + 1})
        _emit({"type": "collected", "items": items})
    except Exception:
        pass


def pytest_deselected(items):
    try:
        _emit({"type": "deselected", "count": len(items)})
    except Exception:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    try:
        report = outcome.get_result()
        call = report.__dict__.get("call")
        if report.failed and call is not None and call.excinfo is not None:
            report._smokes_exc = _exc_details(call.excinfo)
    except Exception:
        pass


def pytest_collectreport(report):
    if not report.failed:
        # Files and folders that collected: a module whose collection error is fixed shows here even
        # when none of its tests is selected (PRODUCT.md 24).
        try:
            if report.nodeid and "::" not in report.nodeid:
                _emit({"type": "collect-ok", "nodeid": report.nodeid})
        except Exception:
            pass
        return
    try:
        record = {
            "type": "collect-error",
            "nodeid": report.nodeid,
            "crash": _crash(report.longrepr),
            "longrepr": _text(report.longrepr),
        }
        record.update(getattr(report, "_smokes_exc", {}))
        _emit(record)
    except Exception:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _current_item
    _current_item = item.nodeid
    yield
    _current_item = None
    _compare.pop(item.nodeid, None)


def pytest_assertrepr_compare(config, op, left, right):
    # Observe only: keep the operands of the failing comparison and return nothing, so pytest's own
    # explanation is unchanged.
    try:
        if _current_item is None:
            return None
        compare = {}
        if op == "==":
            compare["expected"] = _short_repr(right)
            compare["actual"] = _short_repr(left)
        compare.update(_summaries(config, op, left, right))
        _compare[_current_item] = compare
    except Exception:
        pass
    return None


def _summaries(config, op, left, right):
    """pytest's comparison summary as `-vv` writes it (unlimited) and as lower verbosity does (cut).

    Under -vv pytest does not shorten long operands, so the first message line would differ from the
    baseline's; the signature uses the cut form under every verbosity.
    """
    try:
        if config.get_verbosity("assertions") <= 1:
            return {}
        from unicodedata import normalize

        from _pytest._io.saferepr import saferepr, saferepr_unlimited

        use_ascii = isinstance(left, str) and isinstance(right, str) and normalize("NFD", left) == normalize("NFD", right)
        maxsize = (80 - 15 - len(op) - 2) // 2
        full = f"{saferepr_unlimited(left, use_ascii=use_ascii)} {op} {saferepr_unlimited(right, use_ascii=use_ascii)}"
        cut = f"{saferepr(left, maxsize=maxsize, use_ascii=use_ascii)} {op} {saferepr(right, maxsize=maxsize, use_ascii=use_ascii)}"
        return {"summaryFull": full, "summaryCut": cut} if full != cut else {}
    except Exception:
        return {}


def _short_repr(value):
    text = value if isinstance(value, str) else repr(value)
    return text[:_MAX_REPR]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    try:
        report = outcome.get_result()
        if call.excinfo is not None and report.failed:
            report._smokes_exc = _exc_details(call.excinfo)
            compare = _compare.get(item.nodeid)
            if compare and call.when == "call":
                report._smokes_compare = compare
    except Exception:
        pass


def pytest_runtest_logreport(report):
    if report.passed and not hasattr(report, "wasxfail"):
        return
    try:
        file, line, domain = report.location
        record = {
            "type": "test",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": report.duration,
            "location": {"file": _rel(file), "line": None if line is None else line + 1, "domain": domain},
        }
        if hasattr(report, "wasxfail"):
            record["wasxfail"] = str(report.wasxfail)
        if report.failed:
            record["crash"] = _crash(report.longrepr)
            record["longrepr"] = _text(report.longrepr)
            record.update(getattr(report, "_smokes_exc", {}))
            compare = getattr(report, "_smokes_compare", {})
            for key in ("expected", "actual"):
                if key in compare:
                    record[key] = compare[key]
            # A missing fixture has no reprcrash; its repr names the requesting function.
            if record["crash"] is None and hasattr(report.longrepr, "errorstring"):
                lr = report.longrepr
                record["crash"] = {
                    "path": _rel(lr.filename),
                    "lineno": lr.firstlineno + 1,
                    "message": str(lr.errorstring).strip().splitlines()[0] if lr.errorstring else "",
                }
            record["sigMessage"] = _signature_message(record["crash"], compare)
        elif report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
            record["skipReason"] = str(report.longrepr[2])
        _emit(record)
    except Exception:
        pass


def _signature_message(crash, compare):
    """First line of the crash message, the same under every verbosity."""
    if not crash or not crash.get("message"):
        return None
    line = str(crash["message"]).strip().splitlines()[0] if str(crash["message"]).strip() else ""
    full, cut = compare.get("summaryFull"), compare.get("summaryCut")
    if full and cut and full in line:
        line = line.replace(full, cut)
    return line


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    _emit({"type": "session-finish", "rootdir": _rel_root(), "exitstatus": int(exitstatus)})


def pytest_unconfigure(config):
    global _stream
    try:
        if _stream:
            _stream.close()
    except Exception:
        pass
    _stream = None
