# Chaos harness (issue 13): results that survive SIGKILL, outages and restarts, proved on this
# machine. The stack profile starts the local stack when it is down (deploy/local/stack.sh up).
.PHONY: chaos

chaos: build ## embedded runs SIGKILLed vs uninterrupted (every lake table, DuckDB) + stack faults (produced vs bronze vs Cassandra vs DLQ); ARGS=--short, ARGS=--help
	$(NODE) dist/bench/chaos.js $(ARGS)
