"""Benchmarks: commands that print figures. Run one with `python -m benchmarks.<name>`, all with
`python -m benchmarks` (or `make bench`). Results and the machine are kept in docs/performance.md."""
