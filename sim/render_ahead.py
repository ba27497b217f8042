"""The next photo, rendered in a second process while the board runs.

The synthetic photo is the host's largest cost in a run (a FreeType stamp and a JPEG encode per
frame, a third of a month's wall time), and the board's code waits for it. But the next photo
can be foreseen: wakes come on a grid, so the next capture is likely at this one's time plus the
last interval, with its frame number as far on. The camera asks for that frame as soon as it has
its own (`ask`); a second process renders it while this one runs the rest of the wake and the
start of the next. When the camera then takes the frame that was foreseen (an equal scene.Frame:
the same stamp to the second, light table and sun disk), its bytes come from there; any other
frame is rendered here (`jpeg`). Equal Frames encode to equal bytes, and the second process draws
on this one's landscapes, so a run's results do not depend on what was foreseen or how well.

One second process serves every camera of a run (the fleet's too), and ends with the run. It
starts only after `START_AFTER` frames, so short runs never pay for it, and never in a run that
says so (`RunOptions.render_ahead`: the planner's runs already fill every core).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from PIL import Image

from sim import scene

START_AFTER = 50  # frames rendered here before the second process starts
IN_FLIGHT = 4  # frames asked for and not yet taken, at most
KEPT = 8  # rendered frames kept for a camera that has not asked for them yet


def _serve(conn: Connection) -> None:
    """The second process: render each frame asked for, in order, until the pipe closes."""
    try:
        while True:
            frame, landscape = conn.recv()
            if landscape is not None:
                scene.adopt_landscape(frame.size, landscape)
            conn.send_bytes(scene.encode(frame))
    except (EOFError, OSError):  # the other end closed the pipe
        return


class RenderAhead:
    def __init__(self) -> None:
        self.enabled = True
        self.rendered_here = 0
        self.taken_ahead = 0
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        self._asked: deque[scene.Frame] = deque()  # in the order the second process answers
        self._done: dict[scene.Frame, bytes] = {}
        self._sent: dict[tuple[int, int], Image.Image] = {}  # the landscapes it has

    def jpeg(self, frame: scene.Frame) -> bytes:
        """The frame's JPEG bytes: from the second process if it was asked for, else made here."""
        if frame in self._done or frame in self._asked:
            try:
                while frame not in self._done:
                    self._collect()
                self.taken_ahead += 1
                return self._done.pop(frame)
            except (EOFError, OSError):
                self._fail()  # it died: render here
        self.rendered_here += 1
        return scene.encode(frame)

    def asks(self) -> bool:
        """Whether `ask` would take a frame now (so the camera need not work one out)."""
        return self.enabled and (self._conn is not None or self.rendered_here >= START_AFTER)

    def ask(self, frame: scene.Frame) -> None:
        """Render this frame in the second process, ahead of the camera taking it."""
        if not self.asks() or frame in self._done or frame in self._asked:
            return
        try:
            if self._conn is None:
                self._start()
            assert self._conn is not None
            while self._asked and self._conn.poll():
                self._collect()
            if len(self._asked) >= IN_FLIGHT:
                return
            landscape = scene.landscape(frame.size)
            handed = None if self._sent.get(frame.size) is landscape else landscape
            self._conn.send((frame, handed))
            self._sent[frame.size] = landscape
            self._asked.append(frame)
        except (EOFError, OSError):
            self._fail()

    def _collect(self) -> None:
        assert self._conn is not None
        frame = self._asked.popleft()
        self._done[frame] = self._conn.recv_bytes()
        while len(self._done) > KEPT:  # foreseen wrongly: never taken
            del self._done[next(iter(self._done))]

    def _start(self) -> None:
        # spawn, not fork: this process runs the local cloud's threads.
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(theirs,), name="render-ahead", daemon=True)
        self._process.start()
        theirs.close()

    def _fail(self) -> None:
        """No second process for the rest of this run (it died, or could not start)."""
        self.enabled = False
        self.close()

    def close(self) -> None:
        """End the second process (at the end of a run; a later one starts a new one)."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=5)  # it ends when it finds the pipe closed
            if self._process.exitcode is None:
                self._process.kill()
                self._process.join()
        self._conn = self._process = None
        self._asked.clear()
        self._done.clear()
        self._sent.clear()


# The one second process of this process.
RENDERER = RenderAhead()
