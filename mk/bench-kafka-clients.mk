# Kafka clients (issue 15): kafkajs, as the consumer hub uses it, against @platformatic/kafka on
# bench-drain's backlog (docs/bench-kafka-clients.md).
.PHONY: bench-kafka-clients
bench-kafka-clients: build ## kafkajs vs @platformatic/kafka reading a 300,000-tweet backlog (fresh group per run, alternating) and producing it: records/s, CPU s, peak RSS, same records; ARGS=--help
	@deploy/local/stack.sh running kafka || deploy/local/stack.sh up kafka
	set -a; . "$(STACK_DIR)/stack.env"; set +a; $(NODE) dist/bench/kafka-clients.js $(ARGS)
