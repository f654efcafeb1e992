"""A collapsed section whose fields are mounted after the screen's first paint, not with it.

Collapsed, a ``Collapsible`` shows its title alone; its fields are hidden. Mounted with the
screen, they cost its first paint their styling, and their widget classes' CSS, for nothing the
operator sees (the composer's options: two dozen nodes, a third of the screen). A
``DeferredCollapsible`` composes its title only; ``mount_contents`` mounts the fields, once.
The composer calls it just after its first paint (``ComposeForm.options_ready``), and first
whatever reads or fills them (a send, a preset): until then they are not in the DOM.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import AwaitMount, Widget
from textual.widgets import Collapsible

from screens.base import COLLAPSED_CLASS


class DeferredCollapsible(Collapsible):
    """A ``Collapsible``, collapsed, whose contents wait for ``mount_contents``.

    The contents are given as to a ``Collapsible`` (arguments, or a ``with`` block in a
    ``compose``); they are made then, and mounted when asked.
    """

    def __init__(self, *children: Widget, title: str, id: str | None = None) -> None:
        super().__init__(*children, title=title, collapsed=True, id=id)
        # The class a collapsed Collapsible takes on mount, given now: taken on mount, it would
        # restyle the section once more (``collapsed_before_mount``).
        self.add_class(COLLAPSED_CLASS, update=False)
        self._contents: AwaitMount | None = None

    def compose(self) -> ComposeResult:
        yield self._title

    async def mount_contents(self) -> None:
        """Mount the contents, the first time; return once they are mounted, whole. Nothing
        is mounted once the console is closing (quit as it started)."""
        if self._contents is None:
            if not self.is_attached:
                return
            self._contents = self.mount(self.Contents(*self._contents_list))
        await self._contents
