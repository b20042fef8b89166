package dev.coldbrew.benchmarks;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.autoscaler.BucketWindow;
import dev.coldbrew.autoscaler.Decider;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.Observed;
import dev.coldbrew.autoscaler.ScaleResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The autoscaler's per-revision work: one decider tick (every 2 s per revision) and the metric
 * window's record (per stat, per second) and average (per tick), with the default 60 s window and
 * the weighted-exponential one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AutoscalerBenchmark {
  @Param({"linear", "weightedExponential"})
  String algorithm;

  Decider decider;
  BucketWindow window;
  Instant now;
  long tick;
  final Observed observed = new Observed(35.0, 42.0);

  @Setup
  public void setUp() {
    now = Instant.parse("2026-01-01T00:00:00Z");
    DeciderSpec spec = DeciderSpec.from(AutoscalerConfig.defaults(), Map.of(), 10, true);
    decider = new Decider(spec, 3, now);
    Duration w = Duration.ofSeconds(60);
    window =
        algorithm.equals("linear") ? BucketWindow.linear(w) : BucketWindow.weightedExponential(w);
    for (int i = 0; i < 60; i++) {
      window.record(now.plusSeconds(i), i % 7);
    }
  }

  @Benchmark
  public ScaleResult deciderTick() {
    tick += 2;
    return decider.scale(now.plusSeconds(tick), 3, observed);
  }

  @Benchmark
  public double bucketRecordThenAverage() {
    tick++;
    Instant at = now.plusSeconds(60 + tick);
    window.record(at, tick % 7);
    return window.average(at);
  }

  @Benchmark
  public double bucketAverage() {
    return window.average(now.plusSeconds(59));
  }
}
