"""The exit codes scripts rely on: distinct, and a failed run says why with its code."""

from __future__ import annotations

from agent import exit_codes as ec


def test_every_code_is_distinct_and_described() -> None:
    numbers = [ec.OK, ec.FAILED, ec.USAGE, ec.AUTH, ec.NO_CREDITS, ec.UNREACHABLE,
               ec.BATCH_ITEMS_FAILED, ec.RENDER_FAILED, ec.INTERRUPTED]
    assert len(set(numbers)) == len(numbers)
    assert set(ec.CODES) == set(numbers)
    assert (ec.OK, ec.USAGE, ec.BATCH_ITEMS_FAILED) == (0, 2, 6)


def test_the_first_error_with_its_own_code_decides() -> None:
    assert ec.code_for_errors(["2001"], ok=True) == ec.OK
    assert ec.code_for_errors([], ok=False) == ec.FAILED
    assert ec.code_for_errors(["4001", "unknown_command"], ok=False) == ec.FAILED
    assert ec.code_for_errors(["4001", "2001", "unreachable"], ok=False) == ec.NO_CREDITS
    assert ec.code_for_errors(["402"], ok=False) == ec.NO_CREDITS
    assert ec.code_for_errors(["1001"], ok=False) == ec.AUTH
    assert ec.code_for_errors(["unreachable"], ok=False) == ec.UNREACHABLE
    assert ec.code_for_errors(["render_failed"], ok=False) == ec.RENDER_FAILED
