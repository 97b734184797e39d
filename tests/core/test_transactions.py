"""SQLite transactions of requests that may write take the write lock at BEGIN."""

from flask import Flask

from salesweb.core.transactions import sqlite_begin, writes_on_get


def test_writing_requests_begin_immediate_reading_ones_deferred(app):
    for method, begin in [
        ("GET", "BEGIN"),
        ("HEAD", "BEGIN"),
        ("OPTIONS", "BEGIN"),
        ("POST", "BEGIN IMMEDIATE"),
        ("PUT", "BEGIN IMMEDIATE"),
        ("DELETE", "BEGIN IMMEDIATE"),
    ]:
        with app.test_request_context("/auth/login", method=method):
            assert sqlite_begin() == begin, method


def test_command_line_and_background_work_begin_immediate(app):
    with app.app_context():
        assert sqlite_begin() == "BEGIN IMMEDIATE"


def test_a_get_that_writes_can_say_so():
    app = Flask(__name__)

    @app.get("/seen")
    @writes_on_get
    def mark_seen():
        return ""

    with app.test_request_context("/seen"):
        assert sqlite_begin() == "BEGIN IMMEDIATE"
