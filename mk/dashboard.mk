# Dashboard (issue 16): photos of the live dashboard of a fresh `make run`.
.PHONY: screenshots

screenshots: build browser ## photos of the dashboard at 1 and 5 minutes of a fresh embedded run into docs/screenshots/ (ARGS="--at 60,300 --http-port 29080 --metrics-port 29464 -- <run flags>")
	$(NODE) dist/bench/screenshots.js $(ARGS)
