"""Where the metronome clicks: every beat of the meter, the first of each bar accented (pure)."""

from __future__ import annotations

from engine.core.timing import TimeSignatureMap

CLICK_KEY = 37  # GM side stick: a short, sharp click in every General MIDI kit
ACCENT_VELOCITY, BEAT_VELOCITY = 127, 80
CLICK_MS = 30


def clicks(signatures: TimeSignatureMap, ppq: int, start_tick: int, end_tick: int):
    """(tick, accented) of every beat in [start_tick, end_tick), in order.

    Beats count from each time signature's own tick, so a 7/8 bar after three 4/4 bars
    clicks where a musician counts it."""
    out = []
    changes = [s.tick for s in signatures.signatures]
    tick = start_tick
    while tick < end_tick:
        sig = signatures.at(tick)
        later = [t for t in changes if t > sig.tick]
        until = min(end_tick, later[0]) if later else end_tick
        beat, bar = sig.beat_ticks(ppq), sig.bar_ticks(ppq)
        first = sig.tick + -(-(tick - sig.tick) // beat) * beat
        for t in range(first, until, beat):
            out.append((t, (t - sig.tick) % bar == 0))
        tick = until
    return out


def velocity(accented: bool, volume: int) -> int:
    """The click's velocity at ``volume`` (0..127, 100 = as is)."""
    base = ACCENT_VELOCITY if accented else BEAT_VELOCITY
    return max(1, min(127, base * volume // 100))


def count_in(
    signatures: TimeSignatureMap, tempo_map, ppq: int, sample_rate: int, tick: int, bars: int
):
    """``bars`` bars of clicks before ``tick`` in the meter and tempo in force there:
    (their length in frames, [(frame from the count-in's start, accented)])."""
    sig = signatures.at(tick)
    beat, bar = sig.beat_ticks(ppq), sig.bar_ticks(ppq)
    us_per_quarter = tempo_map.change_at(tick).us_per_quarter

    def frames(ticks: int) -> int:
        return ticks * us_per_quarter * sample_rate // (ppq * 1_000_000)

    return frames(bar * bars), [(frames(t), t % bar == 0) for t in range(0, bar * bars, beat)]
