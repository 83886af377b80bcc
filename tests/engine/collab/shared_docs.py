"""Peers' documents of one shared song, exchanged in memory (pure helpers of the tests of
stamped writes)."""

from __future__ import annotations

from pycrdt import Doc

from engine.collab.song_doc import SongDoc
from engine.core.score import Score


def shared_docs(client_ids, song: Score) -> list[SongDoc]:
    """Documents with the given Yjs client ids, all holding ``song`` (the first one
    shared it), their changes so far taken."""
    first = SongDoc(Doc(client_id=client_ids[0]))
    first.load_score(song)
    docs = [first]
    for client_id in client_ids[1:]:
        doc = Doc(client_id=client_id)
        doc.apply_update(first.doc.get_update())
        docs.append(SongDoc(doc))
    for doc in docs:
        doc.take_changes()
    return docs


def edit_update(doc: SongDoc, change, stamp: tuple[int, int]) -> bytes:
    """``doc``'s musician makes the edit ``change`` (Score -> Score), stamped ``stamp``;
    the update that carries it to the others."""
    state = doc.doc.get_state()
    doc.apply_score(change(doc.score()), at=stamp)
    return doc.doc.get_update(state)


def cross(peers, update_a: bytes, update_b: bytes) -> None:
    """Four peers (each with ``doc``, a SongDoc, and ``heard()``): a and b, who made the
    edits, get each other's; the third gets both in the order made, the fourth in the
    other order."""
    a, b, first, second = peers
    arrivals = {a: [update_b], b: [update_a], first: [update_a, update_b]}
    arrivals[second] = [update_b, update_a]
    for peer, updates in arrivals.items():
        for update in updates:
            peer.doc.doc.apply_update(update)
            peer.heard()
