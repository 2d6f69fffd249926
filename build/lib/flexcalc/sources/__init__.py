"""Where prices and carbon come from: live APIs, downloaded files, the bundled sample.

- ``base``: the ``DataProvider`` protocol, ``Forecast`` and ``DataUnavailable``.
- ``providers.make_provider()`` / ``providers.FileProvider``: what front ends call.
- ``live.LiveProvider``, ``sample.SampleProvider``: the two providers behind ``make_provider``.
- ``octopus``, ``carbon_intensity``: API clients; ``http``: the cached, retrying session.
- ``csv_files.read_prices`` / ``read_carbon``: downloaded files; ``coverage.Coverage``: gaps.
- ``horizon``: when prices and carbon forecasts are published; ``payloads``: JSON parsers.
"""
