"""``download_model``: fastText's pre-trained Common Crawl vectors, fetched safely.

The official ``fasttext.util.download_model`` writes ``cc.LANG.300.bin.gz`` and
``cc.LANG.300.bin`` in the current folder. This one keeps those names and adds what a large
download needs: resume after a dropped connection (HTTP Range on a ``.part`` file), a size
check against the server's length (and a SHA-256 when given), a lock so that two processes
downloading at once take turns, and atomic renames so that no reader ever sees a partial file.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import shutil
import sys
import urllib.error
import urllib.request
from typing import Any, Callable

DEFAULT_BASE_URL = "https://dl.fbaipublicfiles.com/fasttext/vectors-crawl/"
#: Environment variable that overrides the base URL (a mirror, or a local server).
BASE_URL_ENV = "SENTVEC_DOWNLOAD_URL"
_MAGIC = bytes.fromhex("ba164f2f")  # fastText .bin magic, little-endian 793712314

# The languages fastText publishes Common Crawl vectors for (fasttext.cc/docs/en/crawl-vectors).
valid_lang_ids = set("""
af sq als am ar an hy as ast az ba eu bar be bn bh bpy bs br bg my ca ceb bcl ce zh cv co hr cs
da dv nl pa arz eml en myv eo et hif fi fr gl ka de gom el gu ht he mrj hi hu is io ilo id ia ga
it ja jv kn pam kk km ky ko ku ckb la lv li lt lmo nds lb mk mai mg ms ml mt gv mr mzn mhr min
xmf mwl mn nah nap ne new frr nso no nn oc or os pfl ps fa pms pl pt qu ro rm ru sah sa sc sco gd
sr sh scn sd si sk sl so azb es su sw sv tl tg ta tt te th bo tr tk uk hsb ur ug uz vec vi vo wa
war cy vls fy pnb yi yo diq zea
""".split())

_IF_EXISTS = ("strict", "ignore", "overwrite")


class DownloadError(OSError):
    """A download failed after its retries, or the file does not match its size or checksum."""


# ------------------------------------------------------------------------------ helpers
@contextlib.contextmanager
def _locked(folder: str):
    """An exclusive advisory lock on the download folder itself: concurrent downloads into it
    take turns instead of writing the same ``.part`` file, and no lock file is left behind."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except (ImportError, OSError):  # no flock (Windows, some network file systems)
            pass
        yield
    finally:
        os.close(fd)


def _fsync_replace(tmp: str, dst: str) -> None:
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, dst)


class _Progress:
    """fastText's download bar (`` (42.00%) [=====>    ]``) on stderr, redrawn per 1%."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.last = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or not total:
            return
        pct = min(100.0, 100.0 * done / total)
        if int(pct) == self.last and done < total:
            return
        self.last = int(pct)
        bar = int(pct / 2)
        sys.stderr.write(f" ({pct:0.2f}%) [" + "=" * bar + ">" + " " * (50 - bar) + "]\r")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _total_from(resp: Any, start: int) -> int | None:
    """The full file size from a 206's Content-Range or a 200's Content-Length."""
    cr = resp.headers.get("Content-Range")
    if cr and "/" in cr and not cr.endswith("/*"):
        return int(cr.rsplit("/", 1)[1])
    cl = resp.headers.get("Content-Length")
    return start + int(cl) if cl is not None else None


def _range_start(resp: Any) -> int:
    cr = resp.headers.get("Content-Range", "")  # "bytes 100-199/200"
    try:
        return int(cr.split()[1].split("-")[0])
    except (IndexError, ValueError):
        raise DownloadError(f"server sent a bad Content-Range header: {cr!r}") from None


# ------------------------------------------------------------------------------ fetching
def _fetch_once(url: str, part: str, timeout: float, progress: _Progress) -> tuple[int, int | None]:
    """One HTTP request appending to ``part`` from its current size. Returns (bytes now in
    ``part``, total size or None). Raises on a network error (the caller retries)."""
    pos = os.path.getsize(part) if os.path.exists(part) else 0
    req = urllib.request.Request(url, headers={"Range": f"bytes={pos}-"} if pos else {})
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and pos:  # nothing left past pos: the part may be complete
            total = _total_from(e, 0) if e.headers.get("Content-Range", "").startswith("bytes */") else None
            return pos, total
        raise
    with resp:
        if pos and resp.status == 206 and _range_start(resp) != pos:
            raise DownloadError(f"{url}: asked for bytes from {pos}, the server sent another range")
        if pos and resp.status != 206:  # the server ignored Range: start over
            pos = 0
        total = _total_from(resp, pos)
        with open(part, "ab" if pos else "wb") as f:
            while True:
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                f.write(chunk)
                pos += len(chunk)
                progress(pos, total)
    return pos, total


def _fetch(url: str, dst: str, retries: int, timeout: float, progress: bool, sha256: str | None) -> None:
    """Download ``url`` to ``dst`` through ``dst + '.part'`` (resumed when it exists), then check
    and rename. Network failures are retried ``retries`` times, each resuming where it stopped."""
    part = dst + ".part"
    bar = _Progress(progress)
    if progress:
        print(f"Downloading {url}", file=sys.stderr)
    failures = 0
    while True:
        try:
            size, total = _fetch_once(url, part, timeout, bar)
            if total is not None and size < total:
                raise http.client.IncompleteRead(b"", total - size)
            break
        except urllib.error.HTTPError as e:
            if e.code < 500:
                raise DownloadError(f"{url}: HTTP {e.code} {e.reason}") from None
            err: Exception = e
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
            err = e
        failures += 1
        if failures > retries:
            raise DownloadError(f"{url}: download failed after {retries} retries ({err}); the bytes "
                                f"received are kept in {part} and the next call resumes from there") from err
    if total is not None and size != total:
        os.unlink(part)
        raise DownloadError(f"{url}: received {size} bytes, the server announced {total}; removed {part}")
    if sha256 is not None:
        h = hashlib.sha256()
        with open(part, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != sha256.lower():
            os.unlink(part)
            raise DownloadError(f"{url}: SHA-256 {h.hexdigest()} does not match the expected {sha256}; "
                                f"removed {part}")
    _fsync_replace(part, dst)


def _gunzip(gz: str, dst: str) -> None:
    """Decompress ``gz`` into ``dst`` atomically; gzip's CRC and length check the content."""
    tmp = f"{dst}.tmp{os.getpid()}"
    try:
        with gzip.open(gz, "rb") as f, open(tmp, "wb") as out:
            shutil.copyfileobj(f, out, 1 << 20)
        with open(tmp, "rb") as f:
            if f.read(4) != _MAGIC:
                raise DownloadError(f"{gz} does not hold a fastText .bin model (wrong magic number)")
        _fsync_replace(tmp, dst)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, DownloadError):
            raise
        raise DownloadError(f"{gz} is not a complete gzip file ({e}); delete it and download again") from e


# ------------------------------------------------------------------------------ public
def download_model(lang_id: str, if_exists: str = "strict", dimension: int | None = None, *,
                   base_url: str | None = None, directory: str | os.PathLike = ".",
                   progress: bool = True, retries: int = 5, timeout: float = 60.0,
                   sha256: str | None = None,
                   reduce: Callable[[str, str, int], None] | None = None) -> str | None:
    """Download fastText's pre-trained Common Crawl vectors for a language (``cc.LANG.300.bin``).

    Parameters
    ----------
    lang_id : str
        A language code of ``valid_lang_ids`` ("en", "fr", ...).
    if_exists : {"strict", "ignore", "overwrite"}
        When the model file exists: "strict" prints a message and returns None (as the official
        function), "ignore" returns its name, "overwrite" downloads it again.
    dimension : int, optional
        With a dimension below 300 the model is also reduced (``reduce_model``) and saved as
        ``cc.LANG.DIM.bin``, whose name is returned (the official function ignores it).
    base_url : str, optional
        Where ``cc.LANG.300.bin.gz`` lives; default the ``SENTVEC_DOWNLOAD_URL`` environment
        variable, else fastText's server.
    directory : path
        Folder of the files (default the current folder, as the official function).
    progress : bool
        Print the URL and a progress bar on stderr.
    retries, timeout : int, float
        A dropped connection is retried ``retries`` times, each resuming from the last byte
        received; ``timeout`` seconds without data counts as dropped.
    sha256 : str, optional
        Expected SHA-256 of the ``.gz`` file. The size is always checked against the server's.
    reduce : callable, optional
        ``reduce(src, dst, dimension)`` writes the reduced model (``sentvec.util`` passes a
        mapped load, ``reduce_model`` and an atomic save).

    Returns
    -------
    str or None
        The model file name (under ``directory``), or None when it exists and ``if_exists`` is
        "strict".

    Raises
    ------
    ValueError
        Unknown language or ``if_exists`` value.
    DownloadError
        The download failed after the retries, or the file does not match its size or checksum;
        a ``.part`` file is kept to resume from when the failure was a network one.
    """
    if lang_id not in valid_lang_ids:
        raise ValueError(f"invalid lang id {lang_id!r}; valid ones are: {' '.join(sorted(valid_lang_ids))}")
    if if_exists not in _IF_EXISTS:
        raise ValueError(f"if_exists must be one of {', '.join(_IF_EXISTS)} (got {if_exists!r})")
    if dimension is not None and (isinstance(dimension, bool) or not isinstance(dimension, int)
                                  or not 1 <= dimension <= 300):
        raise ValueError(f"dimension must be an int in [1, 300] (got {dimension!r})")
    folder = os.fspath(directory)
    name = os.path.join(folder, f"cc.{lang_id}.300.bin") if folder != "." else f"cc.{lang_id}.300.bin"
    wanted = name if dimension in (None, 300) else name.replace(".300.bin", f".{dimension}.bin")
    if os.path.isfile(wanted):
        if if_exists == "strict":
            print(f"File exists ({wanted}). Use if_exists='overwrite' to download anyway.", file=sys.stderr)
            return None
        if if_exists == "ignore":
            return wanted
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    url = base.rstrip("/") + "/" + os.path.basename(name) + ".gz"
    with _locked(folder):
        # Another process may have finished this very file while we waited for the lock.
        fresh = if_exists != "overwrite"
        if not (fresh and os.path.isfile(name)):
            if not (fresh and os.path.isfile(name + ".gz")):
                _fetch(url, name + ".gz", retries, timeout, progress, sha256)
            _gunzip(name + ".gz", name)
        if wanted != name and not (fresh and os.path.isfile(wanted)):
            if reduce is None:
                raise ValueError("dimension < 300 needs a reduce function (sentvec.util.download_model passes one)")
            reduce(name, wanted, dimension)
    return wanted
