"""The sign-in throttle on its own clock: per address, per account, and the way out; the
public verification page's rate per address and the passphrase limit per official; and the
window they all count in."""

from __future__ import annotations

from api.core.sliding_window import KeyLimit, SlidingWindow
from api.core.throttle import FREE_PER_ACCOUNT, MAX_ACCOUNT_DELAY, SignInThrottle


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
    rate = KeyLimit(limit=3, window=60.0, clock=clock)

    def admit(address: str) -> bool:
        if rate.retry_after(address):
            return False
        rate.count(address)
        return True

    assert [admit("203.0.113.9") for _ in range(4)] == [True, True, True, False]
    assert rate.retry_after("203.0.113.9") == 60
    assert admit("198.51.100.1")  # another address is not held
    clock.now += 30
    assert not admit("203.0.113.9")
    assert rate.retry_after("203.0.113.9") == 30
    clock.now += 31  # the first three have left the window
    assert admit("203.0.113.9")


def test_an_officials_wrong_passphrases_hold_only_that_official_and_a_right_one_clears_them():
    clock = Clock()
    passphrases = KeyLimit(limit=5, window=15 * 60.0, clock=clock)
    for _ in range(5):
        assert passphrases.retry_after("karo") == 0
        passphrases.count("karo")
    assert passphrases.retry_after("karo") == 15 * 60
    assert passphrases.retry_after("kabag") == 0
    passphrases.clear("karo")
    assert passphrases.retry_after("karo") == 0


def test_the_window_forgets_what_is_older_than_it_and_the_key_added_to_longest_ago():
    clock = Clock()
    window: SlidingWindow[int] = SlidingWindow(window=10.0, clock=clock, max_keys=2)
    window.add("a", 1)
    clock.now += 5
    window.add("b", 2)
    window.add("a", 3)  # "a" is now the key added to most recently
    assert [v for _, v in window.recent("a")] == [1, 3]
    clock.now += 6  # a's first entry has left the window
    assert [v for _, v in window.recent("a")] == [3]
    window.add("c", 4)  # a third key: "b" goes, not "a"
    assert window.recent("b") == ()
    assert [v for _, v in window.recent("a")] == [3]
    assert [v for _, v in window.recent("c")] == [4]
    assert window.until_below("a", 1) == 4.0  # a's entry leaves 10 s after it came


def replicas() -> tuple[SignInThrottle, SignInThrottle, Clock]:
    """Two replicas' sign-in throttles, shared as ``api.core.shared_counts`` shares them."""
    clock = Clock()
    one, another = SignInThrottle(clock=clock), SignInThrottle(clock=clock)
    for replica in (one, another):
        replica.counts.share(lambda key: f"digest-of-{key!r}", wall=clock)
    return one, another, clock


def exchanged(*throttles: SignInThrottle) -> None:
    """One round: each replica's changes merged by all the others."""
    sent = [t.counts.journalled() for t in throttles]
    for sender, changes in enumerate(sent):
        for receiver, t in enumerate(throttles):
            if receiver != sender:
                t.counts.merge(changes)


def test_a_guesser_spread_over_two_replicas_is_held_as_by_one_once_they_exchanged():
    one, another, _ = replicas()
    for replica in (one, another, one, another, one):
        assert replica.retry_after("203.0.113.9", "ops", known_browser=True) == 0
        replica.failed("203.0.113.9", "ops")
        exchanged(one, another)
    for replica in (one, another):
        assert replica.retry_after("203.0.113.9", "ops", known_browser=True) > 0
    assert another.retry_after("198.51.100.1", "biro") == 0


def test_a_sign_in_on_one_replica_clears_what_the_others_counted_before_it():
    one, another, clock = replicas()
    for _ in range(4):
        one.failed("203.0.113.9", "ops")
    exchanged(one, another)
    clock.now += 1
    one.failed("203.0.113.9", "ops")
    late = one.counts.journalled()  # counted before the sign-in, and sent after it
    clock.now += 1
    another.succeeded("203.0.113.9", "ops")
    clock.now += 1
    one.failed("203.0.113.9", "ops")
    exchanged(one, another)
    another.counts.merge(late)
    for replica in (one, another):
        # The one failure after the sign-in is left, on both: four more may follow.
        assert len(replica.counts.recent(("203.0.113.9", "ops"))) == 1


def test_what_a_shared_window_sends_names_no_address_or_user_and_old_entries_are_dropped():
    clock = Clock()
    limit = KeyLimit(limit=5, window=60.0, clock=clock)
    limit.counts.share(lambda key: "k1", wall=clock)
    limit.count("203.0.113.9")
    changes = limit.counts.journalled()
    assert changes and "203.0.113.9" not in repr(changes)
    assert limit.counts.journalled() == []  # sent once
    other = KeyLimit(limit=1, window=60.0, clock=clock)
    other.counts.share(lambda key: "k1", wall=clock)
    clock.now += 61  # by the time it arrives it has left the window
    other.counts.merge(changes)
    assert other.retry_after("203.0.113.9") == 0
