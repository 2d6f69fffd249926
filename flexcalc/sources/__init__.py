"""Where prices and carbon come from: live APIs, downloaded files, the bundled sample."""
