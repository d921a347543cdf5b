"""Write a file so that a failure leaves the old one as it was: a temporary file in the same folder, then os.replace."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

# mkstemp makes 0600 files; the outputs get the permissions an ordinary open() would give them.
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def open_atomic(path: Path, mode: str = "w", **open_kwargs) -> Iterator[IO]:
    """Open a temporary file next to path; it replaces path only when the block ends without an error.

    A step that fails half way (or is killed) so leaves its previous output as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    with open_atomic(path, "w", encoding="utf8") as handle:
        handle.write(text)
