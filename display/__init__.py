"""The hall's displays: the wall display (综合屏) and a counter's display (窗口屏)."""
