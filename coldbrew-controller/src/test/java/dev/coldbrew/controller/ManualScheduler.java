package dev.coldbrew.controller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An executor that runs nothing by itself: tasks handed to it wait until the test calls {@link
 * #runPending}, and a fixed-rate task runs once per {@link #firePeriodic} call, on the test's
 * thread. Lets a test step the multiscaler's thread deterministically. Only {@code execute} and
 * {@code scheduleAtFixedRate} are supported. Not thread-safe: one test thread uses it.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final Queue<Runnable> pending = new ArrayDeque<>();
  private final List<Runnable> periodic = new ArrayList<>();
  private boolean shutdown;

  /** Runs every task handed over so far, and those they hand over, in order. */
  void runPending() {
    Runnable r;
    while ((r = pending.poll()) != null) {
      r.run();
    }
  }

  /** Runs each fixed-rate task {@code times} times, running pending tasks after each. */
  void firePeriodic(int times) {
    for (int i = 0; i < times; i++) {
      runPending();
      periodic.forEach(Runnable::run);
    }
    runPending();
  }

  @Override
  public void execute(Runnable command) {
    pending.add(command);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    periodic.add(command);
    return null; // the multiscaler does not use it
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>(pending);
    pending.clear();
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }
}
