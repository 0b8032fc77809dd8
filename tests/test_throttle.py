"""The sign-in throttle on its own clock: per address, per account, and the way out; and the
public verification page's rate per address."""

from __future__ import annotations

from api.core.throttle import FREE_PER_ACCOUNT, MAX_ACCOUNT_DELAY, RequestRate, SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle() -> tuple[SignInThrottle, Clock]:
    clock = Clock()
    return SignInThrottle(clock=clock), clock


def test_five_failures_from_one_address_hold_that_address_for_that_user():
    t, clock = throttle()
    for _ in range(5):
        assert t.retry_after("203.0.113.9", "ops", known_browser=True) == 0
        t.failed("203.0.113.9", "ops")
    assert t.retry_after("203.0.113.9", "ops", known_browser=True) > 0
    assert t.retry_after("198.51.100.1", "biro") == 0  # another address and user: free
    clock.now += t.window + 1
    assert t.retry_after("203.0.113.9", "ops", known_browser=True) == 0


def test_failures_from_many_addresses_slow_the_account_exponentially():
    t, clock = throttle()
    for n in range(FREE_PER_ACCOUNT):
        assert t.retry_after(f"203.0.113.{n}", "ops") == 0
        t.failed(f"203.0.113.{n}", "ops")
    waits = []
    for n in range(FREE_PER_ACCOUNT, FREE_PER_ACCOUNT + 7):
        wait = t.retry_after(f"198.51.100.{n}", "ops")  # a fresh address every time
        waits.append(wait)
        clock.now += wait
        assert t.retry_after(f"198.51.100.{n}", "ops") == 0
        t.failed(f"198.51.100.{n}", "ops")
    assert waits == [2, 4, 8, 16, 32, 64, 128]
    assert t.retry_after("192.0.2.1", "biro") == 0  # another account is not touched


def test_the_account_delay_is_capped_so_a_stranger_cannot_keep_the_user_out():
    t, clock = throttle()
    for n in range(200):
        clock.now += t.retry_after(f"10.{n // 250}.{n % 250}.1", "ops")
        t.failed(f"10.{n // 250}.{n % 250}.1", "ops")
    assert t.retry_after("192.0.2.7", "ops") <= MAX_ACCOUNT_DELAY + 1
    # The user's own browser (it signed in as ops before) is not held by the account delay.
    assert t.retry_after("192.0.2.7", "ops", known_browser=True) == 0


def test_a_success_clears_the_account_delay():
    t, _ = throttle()
    for n in range(FREE_PER_ACCOUNT + 3):
        t.failed(f"203.0.113.{n}", "ops")
    assert t.retry_after("192.0.2.7", "ops") > 0
    t.succeeded("192.0.2.7", "ops")
    assert t.retry_after("192.0.2.8", "ops") == 0


def test_the_account_count_is_forgotten_a_window_after_the_last_failure():
    t, clock = throttle()
    for n in range(FREE_PER_ACCOUNT + 3):
        t.failed(f"203.0.113.{n}", "OPS")  # the user name in any case is one account
    assert t.retry_after("192.0.2.7", "ops") > 0
    clock.now += t.window + 1
    assert t.retry_after("192.0.2.7", "ops") == 0


def test_a_reader_of_the_verification_page_is_held_past_its_rate_and_let_in_a_window_later():
    clock = Clock()
    rate = RequestRate(window=60.0, limit=3, clock=clock)
    assert [rate.admit("203.0.113.9") for _ in range(4)] == [True, True, True, False]
    assert rate.admit("198.51.100.1")  # another address is not held
    clock.now += 30
    assert not rate.admit("203.0.113.9")
    clock.now += 31  # the first three have left the window
    assert rate.admit("203.0.113.9")
