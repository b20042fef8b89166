package dev.coldbrew.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that moves only when a test moves it. Thread-safe. */
public final class TestClock extends Clock {
  private volatile long millis;

  /** At {@code epochMillis}. */
  public TestClock(long epochMillis) {
    this.millis = epochMillis;
  }

  /** At {@code start}. */
  public TestClock(Instant start) {
    this(start.toEpochMilli());
  }

  /** Moves the clock {@code by} forward. */
  public synchronized void advance(Duration by) {
    millis += by.toMillis();
  }

  /** Moves the clock {@code ms} milliseconds forward. */
  public synchronized void advance(long ms) {
    millis += ms;
  }

  /** Sets the clock to {@code epochMillis}. */
  public void set(long epochMillis) {
    millis = epochMillis;
  }

  @Override
  public long millis() {
    return millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
