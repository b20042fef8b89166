package dev.coldbrew.benchmarks;

import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.dataplane.activator.InstanceTracker;
import dev.coldbrew.dataplane.activator.Throttler;
import dev.coldbrew.dataplane.queue.Breaker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The activator's throttler and the queue's breaker: one acquire (granted at once) plus its
 * release, per operation, on one thread and on two threads contending for the same monitor (the
 * gateway's two event loops).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ThrottlerBenchmark {
  /** containerConcurrency: 0 (unlimited, round robin) or 10 (first available). */
  @Param({"0", "10"})
  int containerConcurrency;

  @Param({"1", "10"})
  int instances;

  Throttler throttler;
  Breaker breaker;

  @Setup
  public void setUp() {
    throttler = new Throttler(containerConcurrency, 10_000, new SplittableRandom(1));
    List<Instance> ready = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      ready.add(new Instance("rev-" + i, "127.0.0.1", 10_000 + i));
    }
    throttler.updateInstances(ready);
    breaker = new Breaker(containerConcurrency == 0 ? 1000 : containerConcurrency, 100);
  }

  /** A waiter that remembers the instance it was granted. */
  @State(Scope.Thread)
  public static class Granted implements Throttler.Waiter, Breaker.Waiter {
    InstanceTracker instance;

    @Override
    public void onGranted(InstanceTracker instance) {
      this.instance = instance;
    }

    @Override
    public void onGranted() {}
  }

  @Benchmark
  public Throttler.Result throttlerAcquireRelease(Granted w) {
    Throttler.Result r = throttler.acquire(w);
    if (r == Throttler.Result.ACQUIRED) {
      throttler.release(w.instance);
    }
    return r;
  }

  @Benchmark
  @Threads(2)
  public Throttler.Result throttlerAcquireReleaseTwoThreads(Granted w) {
    return throttlerAcquireRelease(w);
  }

  @Benchmark
  public Breaker.Result breakerAcquireRelease(Granted w) {
    Breaker.Result r = breaker.acquire(w);
    if (r == Breaker.Result.ACQUIRED) {
      breaker.release();
    }
    return r;
  }

  @Benchmark
  @Threads(2)
  public Breaker.Result breakerAcquireReleaseTwoThreads(Granted w) {
    return breakerAcquireRelease(w);
  }
}
