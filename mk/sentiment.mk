# Sentiment engine (issue 3): throughput of cashtag's VADER against the vader-sentiment package.
.PHONY: bench-sentiment

bench-sentiment: build ## VADER engine vs vader-sentiment (1 thread) and Piscina 1 vs 2 threads, on the reference corpus
	$(NODE) dist/bench/sentiment.js $(ARGS)
