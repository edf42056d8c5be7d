"""The console in a real browser: `textual serve` on 127.0.0.1, headless Chromium through the DevTools protocol.

`python tests/ui/browser.py [OUT.png] [--size 1280x800] [--click]` serves the demo, loads it in Chromium, waits until the
console has drawn its footer, saves a screenshot and prints what it measured (terminal rows, where the last row
ends against the page, the footer row found in the pixels). `tests/ui/test_browser.py` asserts on the same.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def chromium() -> str | None:
    """The Chromium binary (CHROMIUM_BIN, else on PATH), or None."""
    found = os.environ.get("CHROMIUM_BIN")
    if found:
        return found
    return next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Seen:
    """What the browser showed: the screenshot, the terminal's size and where its rows sit on the page."""

    png: bytes
    rows: int
    columns: int
    geometry: dict[str, float]
    """`top`/`bottom` of the xterm screen, `viewport` (window.innerHeight), `container` (the terminal element's bottom)."""
    footer_sent: bool
    """The console's output over the websocket held its footer's words."""


class Served:
    """`textual serve` running the demo console on a free local port (stopped on exit)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        command = f"{sys.executable} -m drillconsole demo --log-dir {workdir / 'logs'}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        # What `textual serve COMMAND` runs (textual-dev's CLI is a thin wrapper over textual-serve's Server).
        serve = "import sys; from textual_serve.server import Server; Server(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2])).serve()"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", serve, command, str(self.port)],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the console processes it starts go with it
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"textual serve exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("textual serve did not listen")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


async def _look(url: str, width: int, height: int, profile: Path, timeout: float, click: bool) -> Seen:
    import aiohttp

    binary = chromium()
    assert binary is not None
    browser = subprocess.Popen(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"]
        + [f"--window-size={width},{height}", "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its renderer and helper processes go with it
    )
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (active.exists() and active.read_text().strip()):
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = int(active.read_text().split()[0])
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as answer:
                page = next(t for t in await answer.json() if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                return await _drive(ws, url, deadline, click)
    finally:
        _end_group(browser)


def _end_group(browser: subprocess.Popen[bytes]) -> None:
    """Stop Chromium and every process it started, so none still writes into the profile as it is removed."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(browser.pid, sig)
        except ProcessLookupError:
            break
        until = time.monotonic() + grace
        while time.monotonic() < until:
            browser.poll()  # reap the leader, or the group never looks empty
            try:
                os.killpg(browser.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
    browser.wait()


async def _drive(ws: Any, url: str, deadline: float, click: bool) -> Seen:
    ids = iter(range(1, 1 << 30))
    answers: dict[int, asyncio.Future[Any]] = {}
    size: dict[str, int] = {}
    received = bytearray()

    async def listen() -> None:
        async for msg in ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in answers:
                answers.pop(data["id"]).set_result(data.get("result", data.get("error")))
            elif data.get("method") == "Network.webSocketFrameSent":
                payload = data["params"]["response"]["payloadData"]
                try:
                    sent = json.loads(payload)
                except ValueError:
                    continue
                if isinstance(sent, list) and sent and sent[0] == "resize":
                    size.update(sent[1])
            elif data.get("method") == "Network.webSocketFrameReceived":
                response = data["params"]["response"]
                raw = response["payloadData"]
                received.extend(base64.b64decode(raw) if response.get("opcode") == 2 else raw.encode())

    async def call(method: str, **params: Any) -> Any:
        n = next(ids)
        answers[n] = asyncio.get_running_loop().create_future()
        await ws.send_json({"id": n, "method": method, "params": params})
        return await asyncio.wait_for(answers[n], max(1.0, deadline - time.monotonic()))

    listener = asyncio.create_task(listen())
    try:
        await call("Network.enable")
        await call("Page.enable")
        await call("Page.navigate", url=url)
        if click:  # a person clicks into the page (on the header): the terminal gets the focus
            while b"phase" not in received and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            for kind in ("mousePressed", "mouseReleased"):
                await call("Input.dispatchMouseEvent", type=kind, x=40, y=8, button="left", clickCount=1)
        # The footer's words in the console's output: the main screen is drawn (after its loading screen).
        while not (b"Approve" in received and b"Quit" in received and size):
            if time.monotonic() > deadline:
                shot = await call("Page.captureScreenshot", format="png")
                where = Path(tempfile.gettempdir()) / "drillconsole-browser-timeout.png"
                where.write_bytes(base64.b64decode(shot["data"]))
                raise TimeoutError(
                    f"the console never drew its footer keys in the browser (size sent: {size}, {len(received)} "
                    f"bytes received; the page as it was: {where})"
                )
            await asyncio.sleep(0.2)
        script = """(() => {
            const s = document.querySelector('.xterm-screen').getBoundingClientRect();
            const c = document.querySelector('.textual-terminal').getBoundingClientRect();
            return JSON.stringify({top: s.top, bottom: s.bottom, left: s.left, right: s.right,
                                   viewport: window.innerHeight, container: c.bottom});
        })()"""
        painted = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
        while True:  # until the footer is painted (what a person would see), or the deadline
            await call("Runtime.evaluate", expression=painted, awaitPromise=True)
            geometry = json.loads((await call("Runtime.evaluate", expression=script))["result"]["value"])
            shot = await call("Page.captureScreenshot", format="png")
            seen = Seen(base64.b64decode(shot["data"]), int(size["height"]), int(size["width"]), geometry, True)
            inked = [row for row, (_, ink) in enumerate(row_profile(seen)) if ink]
            if (inked and inked[-1] >= seen.rows - 2) or time.monotonic() > deadline:
                return seen
            await asyncio.sleep(0.2)
    finally:
        listener.cancel()


def look(url: str, width: int = 1280, height: int = 800, timeout: float = 120.0, click: bool = False) -> Seen:
    """Load `url` in headless Chromium at `width`×`height` (clicking into it if `click`) and return what it showed
    once the console settled."""
    with tempfile.TemporaryDirectory(prefix="drillconsole-chromium-") as profile:
        return asyncio.run(_look(url, width, height, Path(profile), timeout, click))


def row_profile(seen: Seen) -> list[tuple[float, int]]:
    """Per terminal row (top to bottom, as laid out on the page): its pixel top and how many pixels differ from its
    background (the row's most common colour) — text drawn in it."""
    from PIL import Image

    image = Image.open(io.BytesIO(seen.png)).convert("RGB")
    g = seen.geometry
    cell = (g["bottom"] - g["top"]) / seen.rows
    out = []
    for row in range(seen.rows):
        top = g["top"] + row * cell
        box = (int(g["left"]), int(top), int(g["right"]), int(min(top + cell, image.height)))
        if box[3] <= box[1]:
            out.append((top, 0))  # below the page: nothing of it is visible
            continue
        band = image.crop(box)
        colours = band.getcolors(maxcolors=1 << 20) or []
        background = max(colours)[1] if colours else (0, 0, 0)
        inked = sum(n for n, c in colours if sum(abs(a - b) for a, b in zip(c, background, strict=True)) > 60)
        out.append((top, inked))
    return out


def main() -> int:
    args = sys.argv[1:]
    out = Path(args[0]) if args and not args[0].startswith("--") else Path("browser.png")
    width, height = 1280, 800
    if "--size" in args:
        width, height = (int(x) for x in args[args.index("--size") + 1].split("x"))
    if chromium() is None:
        print("chromium not found (install it, or set CHROMIUM_BIN)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="drillconsole-serve-") as work:
        served = Served(Path(work))
        try:
            served.wait_ready()
            seen = look(served.url, width, height, click="--click" in args)
        finally:
            served.stop()
    out.write_bytes(seen.png)
    print(f"screenshot {out}: terminal {seen.columns}×{seen.rows}, geometry {seen.geometry}")
    for row, (top, inked) in enumerate(row_profile(seen)):
        if row >= seen.rows - 4:
            print(f"row {row}: top {top:.1f}px, {inked} inked pixels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
