# The real stack on this machine, without Docker (deploy/local/README.md): Kafka (KRaft),
# Cassandra, S3Proxy and Prometheus on loopback, data under $(STACK_DIR) (default .stack/).
# SERVERS="kafka cassandra" limits a target to some servers; ports via KAFKA_PORT,
# CASSANDRA_PORT, S3_PORT, PROMETHEUS_PORT.
STACK_SH := deploy/local/stack.sh
SERVERS ?=

.PHONY: up down status stack-verify

up: ## start Kafka, Cassandra, S3Proxy, Prometheus on loopback (fetched first time; idempotent)
	@$(STACK_SH) up $(SERVERS)

down: ## stop the servers that `make up` started
	@$(STACK_SH) down $(SERVERS)

status: ## state of each local server, then the KEY=value lines that point cashtag at them
	@$(STACK_SH) status $(SERVERS)

stack-verify: ## round trip on each running server (Kafka produce/consume, CQL, S3 put/get, Prometheus)
	@$(STACK_SH) verify $(SERVERS)

.PHONY: bench-stack
bench-stack: build ## producers + pipeline against the local stack: Kafka->sinks throughput, produce->Cassandra latency
	@deploy/local/stack.sh running || deploy/local/stack.sh up
	set -a; . "$(STACK_DIR)/stack.env"; set +a; $(NODE) dist/bench/stack.js $(ARGS)
