# Batch layer (issue 5): gold reports from the bronze lake, and their benchmark against DuckDB.
.PHONY: batch bench-batch

batch: build ## the batch layer's gold reports from the whole bronze lake (ARGS="--data-dir ./demo-data --batch-threads 2 ...")
	$(CASHTAG) batch $(ARGS)

bench-batch: build ## batch reports over >= 1M bronze rows vs DuckDB SQL on the same files (lake cached in data/bench-lake)
	$(NODE) dist/bench/batch.js $(ARGS)

.PHONY: bench-analytics
bench-analytics: build ## speed layer at full rate with event-time analytics off and on, alternating: the share it keeps
	$(NODE) dist/bench/pipeline.js --compare-analytics $(ARGS)
