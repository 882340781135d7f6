"""The preview server (`python build.py serve`): build, serve, watch, rebuild, reload the browser.

- `changes`: what a file-system event means (record, day intro, config, template, stylesheet…)
- `watcher`: watchdog events in, one debounced rebuild per burst out
- `reload`: the server-sent event channel and the client script it serves
- `handler`: HTTP: safe path mapping, Host and Origin checks, 404 page, no caching
- `server`: `PreviewServer`, which ties them to the ordinary incremental `build()`
- `command`: the `serve` sub-command
"""

from __future__ import annotations

from .changes import Change, ChangeKind, WatchedFolders
from .command import register
from .server import BuildOutcome, PreviewServer, ServeOptions

__all__ = ["BuildOutcome", "Change", "ChangeKind", "PreviewServer", "ServeOptions", "WatchedFolders", "register"]
