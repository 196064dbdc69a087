"""A fetched batch is split into runs in which no provider appears twice (batches.py)."""

from shared.messaging.batches import backoff, runs


def provider(message: str) -> str:
    return message.split(":")[0]


def test_runs_keep_the_order_and_never_hold_a_provider_twice():
    batch = ["a:1", "b:1", "c:1", "a:2", "b:2", "a:3", "d:1"]
    found = runs(batch, key=provider)
    assert found == [["a:1", "b:1", "c:1"], ["a:2", "b:2"], ["a:3", "d:1"]]
    assert [m for run in found for m in run] == batch
    for run in found:
        assert len({provider(m) for m in run}) == len(run)


def test_one_providers_burst_is_one_message_a_run_and_an_empty_batch_no_run():
    assert runs(["a:1", "a:2", "a:3"], key=provider) == [["a:1"], ["a:2"], ["a:3"]]
    assert runs([], key=provider) == []


def test_the_backoff_between_tries_doubles_up_to_five_seconds():
    assert [backoff(n) for n in (1, 2, 3)] == [0.1, 0.2, 0.4]
    assert backoff(20) == 5.0
