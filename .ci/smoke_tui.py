"""The workbench's first frame, headless (Textual's run_test), as `qualcode` opens it.

Run by .ci/smoke with the installed wheel's Python on the demo project ($QUALCODE_DB):
waits (bounded, no fixed pause) until the first screen shows the documents, the text of
the first protocol and the code tree, then quits.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import time

from qualcode.tui.app import make_app

EXPECTED = ("protokoll_01.md", "Personalmangel", "Kooperationsverbundes")


def screen_text(svg: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")
    return text


async def main() -> int:
    app = make_app(None, "smoke")
    async with app.run_test(size=(120, 34)) as pilot:
        deadline = time.monotonic() + 120
        while True:
            text = screen_text(app.export_screenshot())
            missing = [w for w in EXPECTED if w not in text]
            if not missing:
                break
            if time.monotonic() > deadline:
                print(f"smoke: the first frame lacks {missing}", file=sys.stderr)
                return 1
            await pilot.pause()
            await asyncio.sleep(0.05)
        await pilot.press("q")
    print(f"workbench: first frame shows {', '.join(EXPECTED)}")
    return 0


sys.exit(asyncio.run(main()))
