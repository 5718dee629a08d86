"""Failed sign-ins: the wait grows per user name and per address, a success clears the user's, the lockout expires."""

import logging

import pytest

from assistant.ui.throttle import LoginThrottle, keys


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_wait_doubles_after_the_free_failures_up_to_the_lockout_which_expires(caplog):
    clock = Clock()
    throttle = LoginThrottle(free_failures=3, base_s=1.0, lockout_s=60.0, clock=clock)
    ann = keys("ann", "10.0.0.1")
    waits = []
    with caplog.at_level(logging.WARNING, logger="assistant.login"):
        for _ in range(10):
            waits.append(throttle.wait_s(ann))
            clock.now += waits[-1]  # the attacker waits exactly as long as it must
            throttle.failed("ann", "10.0.0.1")
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]
    assert len(caplog.records) == 10 and "failed sign-in for user 'ann' from 10.0.0.1 (10 in a row" in caplog.text
    assert "guess" not in caplog.text  # the password is never logged (the throttle never sees it)
    assert throttle.wait_s(keys("bob", "10.0.0.1")) == pytest.approx(60)  # the address waits for any user
    assert throttle.wait_s(keys("ann", "10.0.0.2")) == pytest.approx(60)  # the user waits from any address
    assert throttle.wait_s(keys("bob", "10.0.0.2")) == 0
    clock.now += 61  # the lockout expires, and the count starts again
    assert throttle.wait_s(ann) == 0
    throttle.failed("ann", "10.0.0.1")
    assert throttle.wait_s(ann) == 0


def test_a_success_clears_the_users_count_not_the_addresss():
    clock = Clock()
    throttle = LoginThrottle(free_failures=1, base_s=5.0, lockout_s=60.0, clock=clock)
    throttle.failed("ann", "10.0.0.1")
    clock.now += 5
    throttle.succeeded("ann")
    assert throttle.wait_s(["user:ann"]) == 0 and throttle.wait_s(["address:10.0.0.1"]) == 0  # waited out
    throttle.failed("bob", "10.0.0.1")
    throttle.succeeded("ann")
    assert throttle.wait_s(["address:10.0.0.1"]) == pytest.approx(10)


@pytest.mark.parametrize("encode", ["urlencoded", "multipart"])
def test_the_user_name_is_read_from_either_kind_of_sign_in_form(encode):
    import asyncio

    import httpx

    from assistant.ui.guard import form_values

    fields = {"username": "ann", "password": "pw"}
    request = (httpx.Request("POST", "http://h/login", data=fields) if encode == "urlencoded" else
               httpx.Request("POST", "http://h/login", files={k: (None, v) for k, v in fields.items()}))
    body = request.read()
    scope = {"type": "http", "method": "POST", "path": "/login", "query_string": b"",
             "headers": [(b"content-type", request.headers["content-type"].encode()),
                         (b"content-length", str(len(body)).encode())]}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    assert asyncio.run(form_values(scope, messages)) == {"username": ["ann"], "password": ["pw"]}
    assert messages == [{"type": "http.request", "body": body, "more_body": False}]  # left for the login to read
