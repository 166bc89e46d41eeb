"""One module per scenario; `bench.run` chooses them and runs them in order."""
