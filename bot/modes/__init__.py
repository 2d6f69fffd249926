"""One small module per ``python -m bot MODE``, each with ``run(argv, config) -> int``.

``bot.__main__`` holds the table (mode -> module) and imports only the module of the mode it
runs, so ``web`` and ``clock``, which exec gunicorn and ``bot.clock``, never load the numeric
stack or the Slack apps first (docs/adr/0111).
"""
