# Lake file format (issue 15): the Parquet writers compared on the bronze rows of an embedded run.
.PHONY: bench-parquet
bench-parquet: build ## bronze tweets_v2 rows written by cashtag's encoder, parquet-wasm, hyparquet-writer, parquetjs: bytes/row, rows/s, CPU, read-back (BENCH_PYTHON=a python with pyarrow)
	$(NODE) dist/bench/parquet.js $(ARGS)
