"""A compositor that never cuts a double-width character of the widget on top (issue 12).

Textual composes each screen line from "chops": the line is cut at every column where a
widget starts or ends, and each chop takes the piece of the topmost widget there. A toast
drawn over rows of buttons is therefore cut at every button edge beneath it, and a cut that
falls inside a Chinese character (two cells) turns it into two spaces: support's
"请补充原户主身份证复印件" reached the clerk as "请补充原户主身  证复印件".

`WideSafeCompositor` gives a widget one piece for every run of neighbouring chops it wins,
so a widget's own text is only ever cut where another widget covers it. What is cut at such
an edge is the covered widget's character, which cannot be shown whole anyway (half of it
is hidden) and shows as a space, as before. `install()` makes every screen created after it
use this compositor; `ui.app` calls it, so every app of the hall has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import textual.screen
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

_MERGED = Strip([], 0)
"""Marks a chop joined to the one before it (same widget); dropped before anyone reads."""


class WideSafeCompositor(Compositor):
    """Textual's compositor, with a widget's neighbouring chops joined into one piece."""

    def _render_chops(
        self,
        crop: Region,
        is_rendered_line: Callable[[int], bool],
    ) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        for region, clip, strips in self._get_renders(crop):
            render_region = region.intersection(clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                line = chops[y]
                span = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                run_start: int | None = None
                # Front to back: a chop still empty is this widget's; a run of them is one piece.
                for cut, end in zip(span, span[1:], strict=False):
                    if line[cut] is None:
                        if run_start is None:
                            run_start = cut
                        else:
                            line[cut] = _MERGED
                        run_end = end
                        continue
                    if run_start is not None:
                        line[run_start] = strip.crop(run_start - render_x, run_end - render_x)
                        run_start = None
                if run_start is not None:
                    line[run_start] = strip.crop(run_start - render_x, run_end - render_x)
        for line in chops:
            for cut in [cut for cut, piece in line.items() if piece is _MERGED]:
                del line[cut]
        return chops  # type: ignore[return-value]  # Textual's own type: None for unrendered

    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is not None:
            # A joined chop ends where the next one left starts (or at the line's end).
            update.chop_ends = [
                [*list(line)[1:], cut_set[-1]]
                for line, cut_set in zip(update.chops, self.cuts, strict=True)
            ]
        return update


def install() -> None:
    """Every screen created from now on composes with `WideSafeCompositor`."""
    setattr(textual.screen, "Compositor", WideSafeCompositor)  # noqa: B010  (a module global)
