# No record can stop the pipeline (issue 13): a fuzzed corpus through the real Kafka path.
.PHONY: fuzz-kafka

fuzz-kafka: build ## 100,000 fuzzed records (the poison tick included) through Kafka and `cashtag run` on the local stack; every record checked (ARGS="--records N --seed S")
	@deploy/local/stack.sh running kafka cassandra || deploy/local/stack.sh up kafka cassandra
	set -a; . "$(STACK_DIR)/stack.env"; set +a; $(NODE) dist/bench/fuzz-kafka.js $(ARGS)
