"""Content hashes of what a build makes a file from, so a warm build can keep the file.

A page's context, a day's email or a paper's citation files are hashed through
pickle. Paper views and the site info are shared by thousands of pages and
emails, so each is hashed once and stands in every hash that holds it by its
digest. Pickling goes through `reducer_override`, which pickle skips for plain
strings, numbers and containers; a `persistent_id` hook would be called for
every one of them.
"""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

from .plan import SiteInfo
from .views import PaperView

SHARED_TYPES = (PaperView, SiteInfo)


def _digest_of(digest: str) -> str:
    """What a shared object stands for inside a hash: only its digest is pickled."""
    return digest


class Fingerprints:
    """Hashes of one build's values; the digests of shared objects are kept for the build."""

    def __init__(self, salt: str, shared: dict[int, tuple[Any, str]] | None = None) -> None:
        self.salt = salt.encode()
        # By identity, with the object kept alive in its entry so its id is never reused
        # for another object while the entry stands.
        self._shared: dict[int, tuple[Any, str]] = {} if shared is None else shared
        shared_digest = self.shared_digest

        class Pickler(pickle.Pickler):
            def reducer_override(self, obj: Any) -> Any:
                if type(obj) in SHARED_TYPES:
                    return _digest_of, (shared_digest(obj),)
                return NotImplemented

        self._pickler_type = Pickler

    def shared_digest(self, obj: PaperView | SiteInfo) -> str:
        entry = self._shared.get(id(obj))
        if entry is None or entry[0] is not obj:
            entry = self._shared[id(obj)] = (obj, hashlib.blake2b(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL),
                                                                  digest_size=16).hexdigest())
        return entry[1]

    def remember(self, obj: PaperView | SiteInfo, digest: str) -> None:
        """Take `digest` as the shared object's: what an earlier build found for the same value."""
        self._shared[id(obj)] = (obj, digest)

    def salted(self, salt: str) -> Fingerprints:
        """Hashes with another salt that reuse the digests of the shared objects this one made:
        the files made outside templates hash the same paper views as the pages."""
        return Fingerprints(salt, self._shared)

    def of(self, *parts: Any) -> str:
        """The hash of `parts` and of the salt (for pages, the templates and the generator's code)."""
        digest = hashlib.blake2b(self.salt, digest_size=16)
        # Pickled straight into the hash, frame by frame: the search documents of 100,000
        # papers would otherwise be a pickle of some 200 MB held at once.
        self._pickler_type(_HashingSink(digest), protocol=pickle.HIGHEST_PROTOCOL).dump(parts)
        return digest.hexdigest()


class _HashingSink:
    """A file for pickle to write to that only feeds the bytes to a hash."""

    def __init__(self, digest: Any) -> None:
        self.write = digest.update
