"""The figures: day and period reports, staff figures, staffing (Erlang C), and the simulation
of a day."""
