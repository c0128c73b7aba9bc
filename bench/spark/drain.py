"""PySpark side of `make bench-drain` (issue 15): the same Kafka backlog drained into Parquet.

Spark 3.5 Structured Streaming, local[2], reading topic `<prefix>tweets` from Kafka
(spark-sql-kafka-0-10), trigger availableNow (everything up to the offsets seen at start, then
stop), the seed's tweet payload parsed with from_json, cashtags extracted with the same rules as
cashtag's (src/domain/cashtags.ts, URLs removed first), sentiment from vaderSentiment in a pandas
UDF, Parquet partitioned by `topic=<SYMBOL>` as cashtag's bronze `tweets_v2`. Malformed records
are dropped (cashtag writes them to dead letters). Prints one JSON line with timings.

Usage: drain.py BROKERS TOPIC OUT_DIR CHECKPOINT_DIR IVY_DIR, or drain.py --warmup IVY_DIR
"""
import json
import sys
import time

T_START = time.time()

import pandas as pd  # noqa: E402
from pyspark.sql import SparkSession, functions as F, types as T  # noqa: E402

if sys.argv[1] == "--warmup":
    # Resolve spark-sql-kafka and its dependencies from Maven Central into IVY_DIR, untimed.
    SparkSession.builder.master("local[1]").config("spark.jars.packages", "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.3").config("spark.jars.ivy", sys.argv[2]).config("spark.ui.enabled", "false").getOrCreate().stop()
    sys.exit(0)

brokers, topic, out_dir, checkpoint_dir, ivy_dir = sys.argv[1:6]

spark = (
    SparkSession.builder.master("local[2]")
    .appName("cashtag-bench-drain")
    .config("spark.jars.packages", "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.3")
    .config("spark.jars.ivy", ivy_dir)
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    .config("spark.sql.parquet.compression.codec", "snappy")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

_analyzer = None


@F.pandas_udf(T.DoubleType())
def vader_compound(texts: pd.Series) -> pd.Series:
    global _analyzer
    if _analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer = SentimentIntensityAnalyzer()
    score = _analyzer.polarity_scores
    return texts.map(lambda t: score(t)["compound"])


payload = T.StructType(
    [
        T.StructField("created_at", T.StringType()),
        T.StructField("text", T.StringType()),
        T.StructField("user_id", T.StringType()),
    ]
)
STRING_FIELDS = r'(?s)^(?=.*"created_at"\s*:\s*")(?=.*"text"\s*:\s*")(?=.*"user_id"\s*:\s*")'
URL_LIKE = r"(?i)\b(?:https?://|www\.)\S*"
CASHTAG = r"(?<![\p{L}\p{N}_$/\\.=&?#@-])\$([A-Za-z][A-Za-z0-9]{0,5}(?:\.[A-Za-z]{1,2})?)(?![\p{L}\p{N}_$])"

raw = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", brokers)
    .option("subscribe", topic)
    .option("startingOffsets", "earliest")
    .option("failOnDataLoss", "false")
    .load()
)
tweets = (
    raw.select(
        F.col("value").cast("string").alias("raw"),
        F.col("partition").alias("source_partition"),
        F.col("offset").alias("source_offset"),
        F.col("timestamp").alias("ingest_timestamp"),
    )
    # cashtag's validation (src/domain/payloads.ts): the three fields are JSON strings (from_json
    # would turn a number into one), text at most 10,000 characters, user_id at most 64.
    .where(F.col("raw").rlike(STRING_FIELDS))
    .select(
        F.from_json("raw", payload).alias("t"), "source_partition", "source_offset", "ingest_timestamp"
    )
    .select("t.*", "source_partition", "source_offset", "ingest_timestamp")
    .withColumn("created_at", F.to_timestamp("created_at", "yyyy-MM-dd HH:mm:ss"))
    .where(F.col("created_at").isNotNull() & F.col("text").isNotNull() & F.col("user_id").isNotNull())
    .where((F.length("text") <= 10_000) & (F.length("user_id") <= 64))
    .withColumn("record_id", F.concat_ws("-", F.lit("tweets"), F.col("source_partition"), F.col("source_offset")))
    .withColumn("sentiment_score", vader_compound(F.col("text")))
)
# Upper-cased, each once, in order of first appearance (array_distinct keeps the first).
tags = F.array_distinct(F.transform(F.regexp_extract_all(F.regexp_replace("text", URL_LIKE, " "), F.lit(CASHTAG), F.lit(1)), F.upper))
rows = tweets.withColumn("topic", F.explode(F.when(F.size(tags) > 0, tags).otherwise(F.array(F.lit("NONE"))))).select(
    "record_id", "created_at", "ingest_timestamp", "text", "user_id", "sentiment_score", "source_partition", "source_offset", "topic"
)

query = (
    rows.writeStream.format("parquet")
    .option("path", out_dir)
    .option("checkpointLocation", checkpoint_dir)
    .partitionBy("topic")
    .trigger(availableNow=True)
    .start()
)
query.awaitTermination()
T_END = time.time()
progress = query.recentProgress
first = min((p["timestamp"] for p in progress), default=None)
# A micro-batch's progress carries its start (timestamp) and its duration.
ends = [pd.Timestamp(p["timestamp"]).timestamp() + p["durationMs"]["triggerExecution"] / 1000 for p in progress]
read = sum(p["numInputRows"] for p in progress)
print(
    json.dumps(
        {
            "start": T_START,
            "end": T_END,
            "first_batch": pd.Timestamp(first).timestamp() if first else None,
            "last_batch_end": max(ends) if ends else None,
            "batches": len(progress),
            "records_read": read,
        }
    ),
    flush=True,
)
spark.stop()
