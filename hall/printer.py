"""`hall printer test`: a test slip on the kiosk's receipt printer, as the hall file sets it
up, and what the printer answered to the status requests (DLE EOT 1 and 4)."""

from __future__ import annotations

from db.errors import Refused
from hall.run import Run


def printer_test(run: Run) -> None:
    """Print the test slip; exit 1 when the printer cannot be reached, does not answer, or
    answers that it cannot print (offline, out of paper)."""
    from kiosk.printer import PrinterFault, describe, print_test_slip

    config = run.config.printer
    try:
        answer = print_test_slip(config)
    except PrinterFault as fault:
        raise Refused(str(fault), zh=f"打印机故障：{fault}") from None
    data = {"printer": describe(config), "online": answer.online, "paper": answer.paper,
            "problem": answer.problem, "notes": list(answer.notes)}
    if answer.problem:
        raise Refused(f"ticket printer ({describe(config)}): {answer.describe()}",
                      zh=f"打印机（{describe(config)}）：{answer.problem}")
    lines = [f"测试页已打印 (test slip printed): {describe(config)}; {answer.describe()}"]
    lines += [f"注意 (note): {note}" for note in answer.notes]
    run.out.done("\n".join(lines), data)
