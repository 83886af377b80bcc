"""FluidSynth's sequencer clock against the synth's frames: the stamp that makes an event
sound at its frame, and which frames a reading of the clock says are applied (pure).

The sequencer runs on the synth's sample clock (one tick a frame), but the synth hands
it that clock only in whole milliseconds at each 64-frame block start, and the sequencer
dispatches, at each block start, every event stamped up to the tick it is told there.
All the arithmetic that follows from this lives here, so the backend
(``engine.audio.synth``) only reads the clock and sends.
"""

from __future__ import annotations

BLOCK_FRAMES = 64  # FluidSynth renders (and applies sequencer events) per 64-frame block


def stamp_for(frame: int, sample_rate: int) -> int:
    """Sequencer tick that makes an event at ``frame`` sound in the block nearest it.

    Measured (tests/engine/audio/test_synth.py): the synth hands the sequencer its clock
    in whole milliseconds at each block start, and an event dispatched at a block start
    sounds from the next block.  So aim at the block one before the nearest block
    boundary, expressed in the millisecond-rounded ticks the sequencer will see there:
    the error is then at most half a block (32 frames).  Above 64 kHz a millisecond is
    longer than a block, so an event may come one block early.
    """
    block = (frame + BLOCK_FRAMES // 2) // BLOCK_FRAMES * BLOCK_FRAMES - BLOCK_FRAMES
    if block <= 0:
        return 0
    # the same double arithmetic as fluid_sample_timer_process / fluid_sequencer_get_tick
    ms = int(1000.0 * (block / float(sample_rate)))
    return int(ms * float(sample_rate) / 1000.0)


def last_frame_stamped_by(tick: int, sample_rate: int) -> int:
    """The last frame whose events ``stamp_for`` stamps at or before ``tick``."""
    # stamp_for(f) <= f always, and stamp_for(f) > tick once f is past tick by two blocks
    # and a millisecond (the block aimed at, its rounding and the millisecond grid)
    low, high = tick - BLOCK_FRAMES, tick + 4 * BLOCK_FRAMES + sample_rate // 1000
    while high - low > 1:
        middle = (low + high) // 2
        if stamp_for(middle, sample_rate) <= tick:
            low = middle
        else:
            high = middle
    return low


def settled_frame(tick: int, sample_rate: int) -> int:
    """Events at frames up to this had surely been applied when the sequencer's clock
    read ``tick`` (dispatched in an earlier block than the one it is in)."""
    # the sequencer is at most a block plus one millisecond past the block whose
    # events it has finished dispatching (and an event is stamped before its frame)
    return tick - BLOCK_FRAMES - sample_rate // 1000


def applied_horizon(tick: int, sample_rate: int) -> int:
    """Events at frames up to this may have been applied when the sequencer's clock read
    ``tick``; later ones surely not."""
    # an event at frame F is stamped at most 32 + 64 + one millisecond before F
    return tick + BLOCK_FRAMES // 2 + BLOCK_FRAMES + sample_rate // 1000
