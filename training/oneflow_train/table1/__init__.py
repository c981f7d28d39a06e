"""Table 1 (docs/results/table1.{md,json}, README's results table, two figures) from committed result JSONs.

`row_spec.py` reads the declarative row list (docs/results/table1_rows.json); `build.py` turns the loaded result,
ONNX-inspect and bench JSONs into the table (pure: no file I/O); `markdown.py` renders it and keeps README's copy
between the `<!-- table1:begin -->` / `<!-- table1:end -->` markers; `figures.py` draws the PNGs. The command that
reads the files and writes the outputs is `oneflow-train table` (commands/table.py).
"""
