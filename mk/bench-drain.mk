# Kafka backlog drain (issue 15): `cashtag run --until-drained` against PySpark 3.5 Structured
# Streaming on the same topic. PySpark, pandas, pyarrow and vaderSentiment come from PyPI, pinned
# in bench/spark/requirements.txt, into a venv under the repository (.tools/spark); Spark's Kafka
# connector (spark-sql-kafka-0-10) from Maven Central into .tools/spark/ivy, both on first use.
.PHONY: spark-tools bench-drain
SPARK_TOOLS ?= $(CURDIR)/.tools/spark
SPARK_JAVA_HOME ?= /usr/lib/jvm/java-17-openjdk-amd64

$(SPARK_TOOLS)/.installed: bench/spark/requirements.txt bench/spark/drain.py
	python3 -m venv $(SPARK_TOOLS)
	$(SPARK_TOOLS)/bin/pip install --quiet --disable-pip-version-check -r bench/spark/requirements.txt
	JAVA_HOME=$(SPARK_JAVA_HOME) SPARK_LOCAL_IP=127.0.0.1 $(SPARK_TOOLS)/bin/python bench/spark/drain.py --warmup $(SPARK_TOOLS)/ivy
	@touch $@

spark-tools: $(SPARK_TOOLS)/.installed ## PySpark 3.5 + vaderSentiment (PyPI, pinned) in .tools/spark and Spark's Kafka connector (Maven Central), for bench-drain

bench-drain: build ## 300,000-tweet Kafka backlog drained into bronze: cashtag --until-drained vs PySpark (local[2], pandas UDF), tweets/s, peak RSS, ratio; ARGS="--spark off" skips PySpark, ARGS=--help
	@case " $(ARGS) " in *" --spark off "*|*" --spark=off "*|*" --help "*|*" -h "*) ;; \
	  *) $(MAKE) --no-print-directory spark-tools || { echo 'bench-drain: PySpark could not be installed; ARGS="--spark off" runs the cashtag side alone' >&2; exit 1; } ;; esac
	@deploy/local/stack.sh running kafka || deploy/local/stack.sh up kafka
	set -a; . "$(STACK_DIR)/stack.env"; set +a; JAVA_HOME=$(SPARK_JAVA_HOME) $(NODE) dist/bench/drain.js $(ARGS)
