"""The transport generation: a position is published only when computed outside a jump."""

from engine.realtime.transport_generation import TransportGeneration


def test_a_position_computed_outside_any_jump_is_published_with_the_current_generation():
    g = TransportGeneration(5)
    count = g.read()
    assert g.settled(count) and g.published(count) == 5 == g.current


def test_a_position_computed_while_a_jump_is_applied_is_not_published():
    g = TransportGeneration(1)
    with g.jump():
        count = g.read()  # read while the stop is half applied
        assert not g.settled(count)
        assert g.current == 2
    assert not g.settled(count)


def test_a_jump_that_began_after_the_first_read_unsettles_it():
    g = TransportGeneration(1)
    count = g.read()
    with g.jump():
        pass
    assert not g.settled(count)  # the state may be from before the jump
    after = g.read()
    assert g.settled(after) and g.published(after) == 2


def test_a_failed_jump_still_counts_and_leaves_the_count_settled():
    g = TransportGeneration(0)
    try:
        with g.jump():
            raise ValueError("refused")
    except ValueError:
        pass
    count = g.read()
    assert g.settled(count) and g.published(count) == 1
