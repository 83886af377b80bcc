"""Hypothesis strategies for whole scores (shared by the file-format tests)."""

from dataclasses import replace

from hypothesis import strategies as st

from engine.core.controllers import CONTROL, PITCH_BEND, PROGRAM, ControlEvent
from engine.core.pattern import STEP_SIZES, Condition, Lane, Pattern, Placement, Step
from engine.core.scales import SCALES, SongScale
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap

notes = st.builds(
    Note, st.integers(0, 20_000), st.integers(1, 4_000), st.integers(0, 127), st.integers(1, 127)
)

controller_events = st.one_of(
    st.builds(
        ControlEvent,
        st.integers(0, 20_000),
        st.just(CONTROL),
        st.integers(0, 127),
        st.integers(0, 127),
    ),
    st.builds(
        ControlEvent,
        st.integers(0, 20_000),
        st.just(PITCH_BEND),
        st.just(0),
        st.integers(-8192, 8191),
    ),
    st.builds(
        ControlEvent, st.integers(0, 20_000), st.just(PROGRAM), st.just(0), st.integers(0, 127)
    ),
)


@st.composite
def tracks(draw, channel=None):
    is_drum = draw(st.booleans())
    return Track(
        name=draw(st.text(max_size=12)),
        channel=9 if is_drum else draw(channel or st.integers(0, 15).filter(lambda c: c != 9)),
        bank=draw(st.sampled_from([0, 1, 127, 128 * 3 + 5, 16383])),
        program=draw(st.integers(0, 127)),
        is_drum=is_drum,
        volume=draw(st.integers(0, 127)),
        pan=draw(st.integers(0, 127)),
        mute=draw(st.booleans()),
        solo=draw(st.booleans()),
        notes=tuple(draw(st.lists(notes, max_size=25))),
        controllers=tuple(draw(st.lists(controller_events, max_size=8))),
        output=draw(st.sampled_from(["synth", "port", "both"])),
        midi_port=draw(st.sampled_from(["", "JACK: synth:midi_in"])),
    )


@st.composite
def tempo_maps(draw):
    ticks = draw(st.lists(st.integers(1, 20_000), max_size=4, unique=True))
    us = st.integers(60_061, 6_000_000)
    return TempoMap((TempoChange(0, draw(us)),) + tuple(TempoChange(t, draw(us)) for t in ticks))


@st.composite
def signature_maps(draw):
    ticks = draw(st.lists(st.integers(1, 20_000), max_size=3, unique=True))

    def sig(t):
        return TimeSignature(
            t, draw(st.integers(1, 16)), draw(st.sampled_from([1, 2, 4, 8, 16, 32]))
        )

    return TimeSignatureMap((sig(0),) + tuple(sig(t) for t in ticks))


song_scales = st.one_of(
    st.just(SongScale()),
    st.builds(SongScale, st.sampled_from(["", *SCALES]), st.integers(0, 11), st.booleans()),
)


@st.composite
def scores(draw, ppq=None, track_strategy=None):
    loop = draw(
        st.none()
        | st.builds(
            lambda a, b: LoopRegion(a, a + b), st.integers(0, 10_000), st.integers(1, 10_000)
        )
    )
    return Score(
        tracks=tuple(
            draw(st.lists(tracks() if track_strategy is None else track_strategy, max_size=4))
        ),
        ppq=draw(ppq or st.sampled_from([24, 96, 480, 960, 32767])),
        tempo_map=draw(tempo_maps()),
        time_signatures=draw(signature_maps()),
        loop=loop,
        loop_enabled=loop is not None and draw(st.booleans()),
        title=draw(st.text(max_size=20)),
    )


steps = st.builds(
    Step,
    on=st.booleans(),
    velocity=st.integers(1, 127),
    length_steps=st.integers(1, 64),
    offset_pct=st.integers(-50, 50),
    probability=st.integers(0, 100),
    ratchet=st.integers(1, 8),
    condition=st.one_of(
        st.sampled_from(
            [Condition(k) for k in ("always", "first", "not_first", "fill", "not_fill")]
        ),
        st.integers(1, 16).flatmap(
            lambda b: st.builds(Condition, st.just("ab"), st.integers(1, b), st.just(b))
        ),
    ),
)


@st.composite
def patterns(draw, index=0):
    length = draw(st.integers(1, 64))
    lanes = tuple(
        Lane(
            f"l{i}",
            draw(st.integers(0, 127)),
            tuple(draw(st.lists(steps, min_size=1, max_size=20))),
            name=draw(st.text(max_size=8)),
            mute=draw(st.booleans()),
            solo=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    return Pattern(
        f"p{index}",
        draw(st.text(max_size=12)),
        length,
        draw(st.sampled_from(STEP_SIZES)),
        draw(st.integers(50, 75)),
        lanes,
    )


@st.composite
def pattern_scores(draw):
    """Scores with patterns placed on their tracks and a seed."""
    score = draw(scores(track_strategy=tracks()))
    pats = tuple(draw(patterns(i)) for i in range(draw(st.integers(0, 3))))
    placements = ()
    if pats and score.tracks:
        placements = tuple(
            Placement(
                f"a{i}",
                draw(st.sampled_from(pats)).id,
                draw(st.integers(0, len(score.tracks) - 1)),
                draw(st.integers(0, 100_000)),
                draw(st.integers(1, 50)),
            )
            for i in range(draw(st.integers(0, 4)))
        )
    return replace(
        score, patterns=pats, placements=placements, seed=draw(st.integers(0, 2**32 - 1))
    )
