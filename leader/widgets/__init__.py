"""The console's panes: board, complaints, approvals, counters, feedback, notice."""
